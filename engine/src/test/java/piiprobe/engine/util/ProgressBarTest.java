package piiprobe.engine.util;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {
    private final AtomicLong clock = new AtomicLong();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void logOutputIsThrottledToOneLinePerInterval() {
        ProgressBar bar = new ProgressBar("audit", "rows", 1000, 0, out, false, clock::get);
        for (int i = 0; i < 1000; i++) {
            clock.addAndGet(100_000_000L); // 0.1 s per row: 100 s in all
            bar.advance(1);
        }
        bar.close();
        // start, one line per 30 s (3 of them), the final line
        assertEquals(5, printed().lines().count(), printed());
        assertTrue(printed().lines().toList().getLast().endsWith("1000/1000 rows 100% 10.0 rows/s in 1m40s"), printed());
    }

    @Test
    void terminalRedrawsInPlaceAtMostTenTimesASecond() {
        ProgressBar bar = new ProgressBar("audit", "rows", 100, 0, out, true, clock::get);
        for (int i = 0; i < 100; i++) {
            clock.addAndGet(10_000_000L); // 10 ms per row
            bar.advance(1);
        }
        bar.close();
        long redraws = printed().chars().filter(c -> c == '\r').count();
        assertTrue(redraws <= 1 + 10 + 1 + 1, "redraws: " + redraws);
        assertEquals(1, printed().chars().filter(c -> c == '\n').count());
    }

    @Test
    void rateAndEtaCountOnlyThisRunsWork() {
        ProgressBar bar = new ProgressBar("audit", "rows", 100, 40, out, false, clock::get);
        clock.addAndGet(10_000_000_000L);
        bar.advance(20);
        assertEquals("audit [##############..........] 60/100 rows  60% 2.0 rows/s ETA 20s", bar.line());
    }

    @Test
    void durations() {
        assertEquals("59s", ProgressBar.duration(59.4));
        assertEquals("2m05s", ProgressBar.duration(125));
        assertEquals("1h01m", ProgressBar.duration(3700));
    }
}
