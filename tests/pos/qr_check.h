/* qr_check.h — the pos tests' check of a PNG QR code: decode it with libpng
 * (an independent reader) and compare every module with libqrencode's
 * matrix of the text. */
#ifndef WATTLE_TESTS_QR_CHECK_H
#define WATTLE_TESTS_QR_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* Fail the test unless png[0..len) is a PNG of text's QR code (byte mode,
 * level M) as wt_pos_qr_write_png promises: WT_POS_QR_PNG_PIXELS pixels a
 * module, each module's pixels all black (dark) or all white (light), a
 * 4-module white quiet zone. */
void qr_check_png(const uint8_t *png, size_t len, const char *text);

#endif /* WATTLE_TESTS_QR_CHECK_H */
