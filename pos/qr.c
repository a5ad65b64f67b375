/* qr.c — payment request QR codes (libqrencode): on a terminal with UTF-8
 * half blocks, or as an SVG document or a PNG image (libpng). */
#include "pos.h"

#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#define QUIET_MODULES 4

static wt_err encode(QRcode **code, const char *text)
{
    *code = NULL;
    errno = 0;
    *code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (*code == NULL)
        return errno == ENOMEM ? WT_ERR_NO_MEMORY : WT_ERR_INVALID_ARGUMENT;
    return WT_OK;
}

/* Dark module at (x, y), counting the quiet zone (always light). */
static bool dark(const QRcode *code, int x, int y)
{
    x -= QUIET_MODULES;
    y -= QUIET_MODULES;
    if (x < 0 || y < 0 || x >= code->width || y >= code->width)
        return false;
    return (code->data[y * code->width + x] & 1) != 0;
}

wt_err wt_pos_qr_write_text(FILE *out, const char *text)
{
    QRcode *code;
    wt_err err = encode(&code, text);
    if (err != WT_OK)
        return err;
    /* Light modules are drawn (a terminal's foreground is usually light on
     * dark), dark modules are left blank; each cell holds two rows. */
    static const char *const cells[4] = {"\xe2\x96\x88", "\xe2\x96\x80", "\xe2\x96\x84", " "};
    int size = code->width + 2 * QUIET_MODULES;
    bool ok = true;
    for (int y = 0; y < size; y += 2) {
        for (int x = 0; x < size; x++) {
            /* past the last row: quiet zone, light */
            int top = dark(code, x, y), bottom = y + 1 < size ? dark(code, x, y + 1) : 0;
            ok = ok && fputs(cells[top << 1 | bottom], out) >= 0;
        }
        ok = ok && fputc('\n', out) != EOF;
    }
    QRcode_free(code);
    return ok ? WT_OK : WT_ERR_IO;
}

wt_err wt_pos_qr_write_svg(FILE *out, const char *text)
{
    QRcode *code;
    wt_err err = encode(&code, text);
    if (err != WT_OK)
        return err;
    int size = code->width + 2 * QUIET_MODULES;
    bool ok = fprintf(out,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                      "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n"
                      "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
                      size * 8, size * 8, size, size, size, size) > 0;
    for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
            if (dark(code, x, y))
                ok = ok && fprintf(out, "M%d %dh1v1h-1z", x, y) > 0;
    ok = ok && fputs("\"/>\n</svg>\n", out) >= 0;
    QRcode_free(code);
    return ok ? WT_OK : WT_ERR_IO;
}

wt_err wt_pos_qr_write_png(FILE *out, const char *text)
{
    QRcode *code;
    wt_err err = encode(&code, text);
    if (err != WT_OK)
        return err;
    /* 8-bit grey through libpng's simplified API (no setjmp); deflate makes
     * the uniform blocks small (a few hundred bytes) */
    int size = code->width + 2 * QUIET_MODULES;
    size_t side = (size_t)size * WT_POS_QR_PNG_PIXELS;
    uint8_t *pixels = malloc(side * side);
    if (pixels == NULL) {
        QRcode_free(code);
        return WT_ERR_NO_MEMORY;
    }
    for (size_t y = 0; y < side; y++)
        for (size_t x = 0; x < side; x++)
            pixels[y * side + x] =
                dark(code, (int)(x / WT_POS_QR_PNG_PIXELS), (int)(y / WT_POS_QR_PNG_PIXELS)) ? 0x00
                                                                                             : 0xff;
    QRcode_free(code);
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)side;
    image.height = (png_uint_32)side;
    image.format = PNG_FORMAT_GRAY;
    int ok = png_image_write_to_stdio(&image, out, 0, pixels, (png_int_32)side, NULL);
    png_image_free(&image);
    free(pixels);
    return ok ? WT_OK : WT_ERR_IO;
}
