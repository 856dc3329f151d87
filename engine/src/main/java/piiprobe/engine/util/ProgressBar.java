package piiprobe.engine.util;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of long work on stderr: count, percentage, rate and time left. On a terminal one line is
 * redrawn in place at most {@value #TERMINAL_REDRAWS_PER_SECOND} times a second; otherwise (a log file,
 * CI) a new line is printed at most every {@value #LOG_INTERVAL_SECONDS} seconds, so logs stay short.
 * The rate counts only work done since this bar started, so a resumed run does not look faster.
 */
public final class ProgressBar implements AutoCloseable {
    static final int TERMINAL_REDRAWS_PER_SECOND = 10;
    static final int LOG_INTERVAL_SECONDS = 30;
    private static final int WIDTH = 24;

    private final String label;
    private final String unit;
    private final long total;
    private final long startDone;
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanos;
    private final long startNanos;
    private long done;
    private long lastPrintNanos;
    private boolean closed;

    /** A bar on stderr, redrawn in place when stderr is a terminal. */
    public ProgressBar(String label, String unit, long total, long alreadyDone) {
        this(label, unit, total, alreadyDone, System.err, stderrIsTerminal(), System::nanoTime);
    }

    ProgressBar(String label, String unit, long total, long alreadyDone, PrintStream out, boolean terminal,
                LongSupplier nanos) {
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.startDone = alreadyDone;
        this.done = alreadyDone;
        this.out = out;
        this.terminal = terminal;
        this.nanos = nanos;
        this.startNanos = nanos.getAsLong();
        this.lastPrintNanos = startNanos;
        print();
    }

    /** Records {@code n} more units done and redraws if it is time. */
    public synchronized void advance(long n) {
        done += n;
        long now = nanos.getAsLong();
        long interval = terminal ? 1_000_000_000L / TERMINAL_REDRAWS_PER_SECOND : LOG_INTERVAL_SECONDS * 1_000_000_000L;
        if (now - lastPrintNanos >= interval || (terminal && done >= total)) {
            lastPrintNanos = now;
            print();
        }
    }

    /** Prints the final state and ends the line. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        print();
        if (terminal) out.println();
        out.flush();
    }

    /** The line as it would be printed now (without carriage return). */
    synchronized String line() {
        double seconds = (nanos.getAsLong() - startNanos) / 1e9;
        long doneHere = done - startDone;
        double rate = seconds > 0 ? doneHere / seconds : 0;
        int filled = total > 0 ? (int) Math.min(WIDTH, WIDTH * done / total) : WIDTH;
        StringBuilder sb = new StringBuilder(label).append(" [")
                .append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ")
                .append(done).append('/').append(total).append(' ').append(unit);
        if (total > 0) sb.append(String.format(Locale.ROOT, " %3d%%", 100 * done / total));
        sb.append(String.format(Locale.ROOT, " %.1f %s/s", rate, unit));
        if (done < total) sb.append(" ETA ").append(rate > 0 ? duration((total - done) / rate) : "?");
        else sb.append(" in ").append(duration(seconds));
        return sb.toString();
    }

    private void print() {
        if (terminal) out.print("\r" + line() + "\u001b[K");
        else out.println(line());
        out.flush();
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + String.format(Locale.ROOT, "%02ds", s % 60);
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02dm", (s % 3600) / 60);
    }

    /** True when stderr goes to a terminal (Linux: fd 2 is a tty device); false when unsure. */
    public static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) return false;
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
