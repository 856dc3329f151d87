package piiprobe.http;

import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.StopRule;
import piiprobe.engine.UserError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Batches concurrent requests into single engine calls. One worker thread owns the model: it takes the
 * oldest waiting job, gathers every later job that can share its call (same kind, same decoding) until
 * the batch holds {@code maxRows} rows or the oldest job has waited {@code window}, and runs them as one
 * call. Jobs that cannot join wait, in order, for a later call.
 */
final class EngineQueue implements AutoCloseable {

    /** Work for the engine; {@code rows} counts the engine rows it adds to a batch. */
    sealed interface Job {
        int rows();

        long arrivalNanos();

        /** Jobs with equal keys may share one engine call. */
        Object key();

        CompletableFuture<?> result();
    }

    /**
     * Generation of {@code prompts}; {@code stop} is asked with row indices local to this job.
     * {@code randomSeed}: sampling whose seed the server draws per call (the decoding's own seed is unused).
     */
    record GenerateJob(List<int[]> prompts, Decoding decoding, boolean randomSeed, StopRule stop, long arrivalNanos,
                       CompletableFuture<List<Generation>> result) implements Job {
        public int rows() {
            return prompts.size();
        }

        public Object key() {
            return randomSeed ? List.of("unseeded", decoding) : decoding;
        }
    }

    record ScoreJob(List<int[]> prompts, List<int[]> continuations, long arrivalNanos,
                    CompletableFuture<List<float[]>> result) implements Job {
        public int rows() {
            return prompts.size();
        }

        public Object key() {
            return "score";
        }
    }

    record NextTokenJob(List<int[]> prefixes, long arrivalNanos, CompletableFuture<List<float[]>> result) implements Job {
        public int rows() {
            return prefixes.size();
        }

        public Object key() {
            return "next-token";
        }
    }

    private final LanguageModel model;
    private final int maxRows;
    private final long windowNanos;
    private final int maxQueuedRows;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final LinkedList<Job> pending = new LinkedList<>();
    private int queuedRows;
    private boolean closed;
    private final Thread worker;

    EngineQueue(LanguageModel model, int maxRows, long windowNanos, int maxQueuedRows) {
        this.model = model;
        this.maxRows = maxRows;
        this.windowNanos = windowNanos;
        this.maxQueuedRows = maxQueuedRows;
        this.worker = Thread.ofPlatform().name("piiprobe-engine").daemon().start(this::loop);
    }

    /** Queues a job; a full queue answers 429 so that clients back off. */
    void submit(Job job) {
        lock.lock();
        try {
            if (closed) throw ApiError.status(503, "server_error", "the server is shutting down");
            if (queuedRows > 0 && queuedRows + job.rows() > maxQueuedRows)
                throw ApiError.status(429, "rate_limit_error", "the server's queue is full (" + queuedRows + " rows waiting); retry later");
            pending.add(job);
            queuedRows += job.rows();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        try {
            work();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void work() throws InterruptedException {
        while (true) {
            List<Job> batch;
            lock.lock();
            try {
                while (pending.isEmpty() && !closed) changed.await();
                if (closed) return;
                long deadline = pending.getFirst().arrivalNanos() + windowNanos;
                while (true) {
                    batch = gather();
                    long wait = deadline - System.nanoTime();
                    if (rows(batch) >= maxRows || wait <= 0 || closed) break;
                    changed.awaitNanos(wait);
                }
                for (Job job : batch) pending.remove(job);
                queuedRows -= rows(batch);
            } finally {
                lock.unlock();
            }
            run(batch);
        }
    }

    /** The oldest job and every later one that can share its call, in arrival order. */
    private List<Job> gather() {
        Job first = pending.getFirst();
        List<Job> batch = new ArrayList<>(List.of(first));
        int rows = first.rows();
        // A sampled row's random stream depends on how many identical prompts precede it in the call, so
        // two jobs that share a prompt must not share a call: each would see the other's copies.
        Set<List<Integer>> sampled = new HashSet<>();
        boolean sampling = first instanceof GenerateJob g && g.decoding() instanceof Decoding.Sampling;
        if (sampling) ((GenerateJob) first).prompts().forEach(p -> sampled.add(asList(p)));
        for (Iterator<Job> it = pending.listIterator(1); it.hasNext() && rows < maxRows; ) {
            Job job = it.next();
            if (!job.key().equals(first.key()) || rows + job.rows() > maxRows) continue;
            if (sampling) {
                List<List<Integer>> mine = ((GenerateJob) job).prompts().stream().map(EngineQueue::asList).toList();
                if (mine.stream().anyMatch(sampled::contains)) continue;
                sampled.addAll(mine);
            }
            batch.add(job);
            rows += job.rows();
        }
        return batch;
    }

    private void run(List<Job> batch) {
        try {
            switch (batch.getFirst()) {
                case GenerateJob first -> runGenerate(batch, first);
                case ScoreJob ignored -> runEach(batch, ScoreJob.class, ScoreJob::result, jobs -> model.continuationLogprobs(
                        concat(jobs, ScoreJob::prompts), concat(jobs, ScoreJob::continuations)));
                case NextTokenJob ignored -> runEach(batch, NextTokenJob.class, NextTokenJob::result,
                        jobs -> model.nextTokenLogprobs(concat(jobs, NextTokenJob::prefixes)));
            }
        } catch (UserError e) {
            // One job's bad input should not fail the others it was batched with: run them alone.
            if (batch.size() > 1) for (Job job : batch) run(List.of(job));
            else fail(batch, e);
        } catch (RuntimeException | Error e) {
            fail(batch, e);
        }
    }

    private void runGenerate(List<Job> batch, GenerateJob first) {
        List<GenerateJob> jobs = batch.stream().map(GenerateJob.class::cast).toList();
        int[] jobOfRow = new int[rows(batch)];
        int[] offset = new int[jobs.size()];
        for (int j = 0, row = 0; j < jobs.size(); j++) {
            offset[j] = row;
            for (int r = 0; r < jobs.get(j).rows(); r++) jobOfRow[row++] = j;
        }
        Decoding decoding = first.randomSeed() && first.decoding() instanceof Decoding.Sampling s
                ? new Decoding.Sampling(s.maxNewTokens(), s.minNewTokens(), s.temperature(), s.topK(), s.topP(),
                        ThreadLocalRandom.current().nextLong())
                : first.decoding();
        StopRule stop = (row, newIds) -> {
            int j = jobOfRow[row];
            return jobs.get(j).stop().shouldStop(row - offset[j], newIds);
        };
        List<Generation> all = model.generate(concat(jobs, GenerateJob::prompts), decoding, stop);
        for (int j = 0; j < jobs.size(); j++)
            jobs.get(j).result().complete(all.subList(offset[j], offset[j] + jobs.get(j).rows()));
    }

    private <J extends Job, R> void runEach(List<Job> batch, Class<J> type, Function<J, CompletableFuture<List<R>>> result,
                                            Function<List<J>, List<R>> call) {
        List<J> jobs = batch.stream().map(type::cast).toList();
        List<R> all = call.apply(jobs);
        int offset = 0;
        for (J job : jobs) {
            result.apply(job).complete(all.subList(offset, offset + job.rows()));
            offset += job.rows();
        }
    }

    private static void fail(List<Job> batch, Throwable e) {
        for (Job job : batch) job.result().completeExceptionally(e);
    }

    private static <J> List<int[]> concat(List<J> jobs, Function<J, List<int[]>> field) {
        List<int[]> all = new ArrayList<>();
        for (J job : jobs) all.addAll(field.apply(job));
        return all;
    }

    private static int rows(List<Job> batch) {
        return batch.stream().mapToInt(Job::rows).sum();
    }

    private static List<Integer> asList(int[] ids) {
        return Arrays.stream(ids).boxed().toList();
    }

    /** Fails the jobs still waiting and waits for the engine call under way, so the model can be closed. */
    @Override
    public void close() {
        List<Job> dropped;
        lock.lock();
        try {
            closed = true;
            dropped = new ArrayList<>(pending);
            pending.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        fail(dropped, ApiError.status(503, "server_error", "the server is shutting down"));
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
