package piiprobe.lab.train;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenWindowsTest {
    /** A stream whose token at i is i, so a window tells where it starts. */
    private static int[] positions(int n) {
        int[] s = new int[n];
        for (int i = 0; i < n; i++) s[i] = i;
        return s;
    }

    @Test
    void eachEpochVisitsEveryWindowOnceWithTargetsShiftedByOne() {
        int seq = 8;
        TokenWindows w = new TokenWindows(positions(103), seq, 5);
        assertEquals(11, w.perEpoch());  // (103 − 8) / 8
        int[] in = new int[seq], out = new int[seq];
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Integer> starts = new HashSet<>();
            int offset = -1;
            for (int i = 1; i <= w.perEpoch(); i++) {
                w.fill(epoch * w.perEpoch() + i, in, out);
                for (int t = 0; t < seq; t++) {
                    assertEquals(in[0] + t, in[t]);
                    assertEquals(in[t] + 1, out[t]);
                }
                assertTrue(out[seq - 1] < 103, "inside the stream");
                if (offset < 0) offset = in[0] % seq;
                assertEquals(offset, in[0] % seq, "one offset per epoch");
                starts.add(in[0]);
            }
            assertEquals(w.perEpoch(), starts.size(), "epoch " + epoch + " visits each window once");
        }
    }

    @Test
    void aStepsBatchDependsOnTheStepAlone() {
        TokenWindows a = new TokenWindows(positions(500), 10, 9), b = new TokenWindows(positions(500), 10, 9);
        int[] in1 = new int[40], out1 = new int[40], in2 = new int[40], out2 = new int[40];
        for (int step = 1; step <= 30; step++) a.fill(step, in1, out1);
        b.fill(30, in2, out2);
        assertArrayEquals(in1, in2);
        assertArrayEquals(out1, out2);
    }

    @Test
    void validationWindowsSpanTheStream() {
        int[] in = new int[3 * 10], out = new int[3 * 10];
        TokenWindows.evenlySpread(positions(101), 10, 3, in, out);
        assertEquals(0, in[0]);
        assertEquals(45, in[10]);
        assertEquals(90, in[20]);
        assertEquals(100, out[29]);
    }

    @Test
    void aStreamTooShortIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TokenWindows(positions(16), 8, 1));
    }
}
