/* qr_check.c — see qr_check.h. */
#include "qr_check.h"
#include "pos.h"
#include "testutil.h"

#include <png.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

void qr_check_png(const uint8_t *png, size_t len, const char *text)
{
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, png, len))
        fail_msg("not a PNG libpng can read: %s", image.message);
    QRcode *code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    assert_non_null(code);
    png_uint_32 side = (png_uint_32)(code->width + 8) * WT_POS_QR_PNG_PIXELS;
    assert_int_equal(image.width, side);
    assert_int_equal(image.height, side);
    image.format = PNG_FORMAT_GRAY;
    uint8_t *pixels = malloc(PNG_IMAGE_SIZE(image));
    assert_non_null(pixels);
    if (!png_image_finish_read(&image, NULL, pixels, 0, NULL))
        fail_msg("libpng could not decode it: %s", image.message);
    for (png_uint_32 y = 0; y < side; y++)
        for (png_uint_32 x = 0; x < side; x++) {
            int mx = (int)(x / WT_POS_QR_PNG_PIXELS) - 4, my = (int)(y / WT_POS_QR_PNG_PIXELS) - 4;
            bool dark = mx >= 0 && my >= 0 && mx < code->width && my < code->width &&
                        (code->data[my * code->width + mx] & 1) != 0;
            uint8_t want = dark ? 0x00 : 0xff;
            if (pixels[y * side + x] != want)
                fail_msg("pixel (%u, %u) of module (%d, %d) is %u, not %u", (unsigned)x,
                         (unsigned)y, mx, my, pixels[y * side + x], want);
        }
    free(pixels);
    QRcode_free(code);
}
