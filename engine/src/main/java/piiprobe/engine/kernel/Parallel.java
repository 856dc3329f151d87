package piiprobe.engine.kernel;

import piiprobe.engine.UserError;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A persistent pool of worker threads that spin between jobs, so that handing out a matmul costs
 * a volatile write rather than a thread wake-up (an ExecutorService hand-off per matmul made two
 * threads slower than one). Workers park after a short idle spin so an idle engine leaves the
 * cores to others.
 *
 * <p>Thread count: {@code PIIPROBE_THREADS} (environment) or {@code -Dpiiprobe.threads}, default the
 * available processors. The calling thread is one of them. Calls from inside a task, or from a
 * second thread while a job runs, run inline or wait their turn.
 */
public final class Parallel {
    /** How long an idle worker spins before it parks. */
    private static final long SPIN_NANOS = 200_000;

    private static Parallel pool;

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private volatile long epoch;
    private volatile IntConsumer body;
    private volatile int tasks;
    private volatile Throwable failure;

    private Parallel(int threads) {
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("piiprobe-kernel-" + (i + 1));
            workers[i].start();
        }
    }

    private static synchronized Parallel pool() {
        if (pool == null) pool = new Parallel(configuredThreads());
        return pool;
    }

    /** The number of threads kernels use, the caller's included. */
    public static int threads() {
        return pool().workers.length + 1;
    }

    static int configuredThreads() {
        String prop = System.getProperty("piiprobe.threads");
        String env = System.getenv("PIIPROBE_THREADS");
        String v = prop != null ? prop : env;
        if (v == null || v.isBlank()) return Runtime.getRuntime().availableProcessors();
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UserError((prop != null ? "-Dpiiprobe.threads" : "PIIPROBE_THREADS") + " must be a positive integer, got '" + v + "'");
    }

    /** Runs {@code body.accept(i)} for every i in [0, tasks), spread over the pool; returns when all are done. */
    public static void forEach(int tasks, IntConsumer body) {
        pool().run(tasks, body);
    }

    /** A contiguous piece [from, to) of a range split by {@link #forRange}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /**
     * Splits [0, n) into at most a few pieces per thread, none smaller than {@code grain} (so small
     * work runs inline on the caller), and runs them in parallel.
     */
    public static void forRange(int n, int grain, Range body) {
        int pieces = (int) Math.min(4L * threads(), Math.max(1, n / Math.max(1, grain)));
        if (pieces <= 1) {
            body.run(0, n);
            return;
        }
        forEach(pieces, c -> body.run((int) ((long) c * n / pieces), (int) ((long) (c + 1) * n / pieces)));
    }

    private void run(int n, IntConsumer job) {
        if (n <= 0) return;
        if (n == 1 || workers.length == 0 || Thread.currentThread() instanceof Worker || lock.isHeldByCurrentThread()) {
            for (int i = 0; i < n; i++) job.accept(i);
            return;
        }
        lock.lock();
        try {
            body = job;
            tasks = n;
            failure = null;
            next.set(0);
            running.set(workers.length);
            epoch = epoch + 1; // publishes the job to the spinning workers
            for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
            work();
            while (running.get() != 0) Thread.onSpinWait();
            body = null;
            Throwable t = failure;
            if (t != null) {
                failure = null;
                if (t instanceof RuntimeException re) throw re;
                if (t instanceof Error e) throw e;
                throw new IllegalStateException(t);
            }
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        IntConsumer job = body;
        int n = tasks;
        for (int i; (i = next.getAndIncrement()) < n; ) {
            try {
                job.accept(i);
            } catch (Throwable t) {
                if (failure == null) failure = t;
                next.set(n);
            }
        }
    }

    /** A pool thread; a {@link #forEach} called from one runs inline instead of deadlocking. */
    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long spinStart = System.nanoTime();
                long e;
                int spins = 0;
                while ((e = epoch) == seen) {
                    Thread.onSpinWait();
                    if ((++spins & 1023) != 0) continue;
                    if (System.nanoTime() - spinStart > SPIN_NANOS) {
                        parked = true;
                        if (epoch == seen) LockSupport.park(this);
                        parked = false;
                        spinStart = System.nanoTime();
                    }
                }
                seen = e;
                work();
                running.decrementAndGet();
            }
        }
    }
}
