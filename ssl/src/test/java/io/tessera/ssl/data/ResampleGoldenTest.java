// Resample against Pillow golden values (pil_resize_golden.py / .txt in the test resources):
// bilinear and bicubic, shrinking (antialiased), growing and crop-then-resize. Pillow stores its
// intermediate pass as 8-bit, so agreement is to within about one grey level (measured: at most
// 1.31 levels, bicubic growing; the same coefficients with an 8-bit intermediate reproduce
// Pillow's bicubic outputs exactly and its bilinear ones within 1 level).
package io.tessera.ssl.data;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ResampleGoldenTest {
    private static final int H = 13, W = 17;

    private static Image source() {
        float[] d = new float[H * W];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) d[y * W + x] = ((y * 37 + x * 11 + (x * y) % 7 * 19) % 256) / 255f;
        }
        return new Image(1, H, W, d);
    }

    @Test
    void matchesPillowWithinOneGreyLevel() throws IOException {
        List<String> lines = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("pil_resize_golden.txt")) {
            assertThat(in).isNotNull();
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!l.isBlank() && !l.startsWith("#")) lines.add(l);
            }
        }
        assertThat(lines).hasSize(8);
        Image src = source();
        StringBuilder report = new StringBuilder();
        double worst = 0;
        for (String line : lines) {
            String[] t = line.trim().split("\\s+");
            Interpolation f = Interpolation.valueOf(t[1]);
            int top = Integer.parseInt(t[2]), left = Integer.parseInt(t[3]), h = Integer.parseInt(t[4]),
                    w = Integer.parseInt(t[5]), oh = Integer.parseInt(t[6]), ow = Integer.parseInt(t[7]);
            float[] got = Resample.resizeBox(src, top, left, h, w, oh, ow, f, true).data();
            assertThat(t.length - 8).isEqualTo(oh * ow);
            double maxErr = 0;
            for (int i = 0; i < got.length; i++) {
                maxErr = Math.max(maxErr, Math.abs(got[i] * 255 - Integer.parseInt(t[8 + i])));
            }
            report.append(t[0]).append(' ').append(t[1]).append(": ").append(maxErr).append("; ");
            worst = Math.max(worst, maxErr);
        }
        assertThat(worst).as("max |ours·255 − Pillow| per case: %s", report).isLessThanOrEqualTo(1.5);
    }
}
