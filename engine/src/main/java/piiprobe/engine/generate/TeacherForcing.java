package piiprobe.engine.generate;

import piiprobe.engine.kernel.Logits;
import piiprobe.engine.model.KvCache;
import piiprobe.engine.model.Transformer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Teacher-forced scoring: next-token log-probabilities at chosen positions of known sequences, each
 * shared start computed once.
 *
 * <p>The sequences are sorted, so those sharing a start are neighbours, and cut into chunks of at most
 * {@code maxRows} distinct sequences. A chunk runs as a prefix tree in waves over one KV cache: the
 * first wave runs each distinct start once, left-padded; whenever a row's sequences part ways the row
 * is forked ({@link KvCache#select}) into one row per branch, and rows whose sequences have all ended
 * leave. A wave appends the same number of slots to every row; a branch that has more sequences
 * after it never gets padding (the wave is as long as the shortest such segment), a row that ends
 * within the wave is padded after its last token. So padding is only ever before a row's first
 * real slot or after its last one, and the logits of a shared position are computed once for every
 * sequence that passes through it. The LM head runs only for positions someone asked for.
 */
public final class TeacherForcing {
    /** Logit vectors requested from one forward call at most, to bound memory (50257 floats each for GPT-2). */
    private static final long LOGIT_BUDGET_BYTES = 128L << 20;

    private TeacherForcing() {}

    /**
     * For each i, the log-probability of every token of {@code continuations.get(i)} given
     * {@code prompts.get(i)} and the continuation tokens before it.
     */
    public static List<float[]> continuationLogprobs(Transformer model, List<int[]> prompts, List<int[]> continuations,
                                                     int maxRows) {
        if (prompts.size() != continuations.size())
            throw new IllegalArgumentException(prompts.size() + " prompts but " + continuations.size() + " continuations");
        int n = prompts.size();
        List<int[]> full = new ArrayList<>(n), inputs = new ArrayList<>(n);
        int[] from = new int[n];
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            int[] p = prompts.get(i), c = continuations.get(i);
            Inputs.check(model, "prompt " + i, p, 0);
            int[] pc = concat(p, c);
            Inputs.check(model, "prompt " + i + " with its continuation", pc, 0);
            full.add(pc);
            inputs.add(Arrays.copyOf(pc, pc.length - 1)); // the last token is only a target
            from[i] = p.length - 1;
            out[i] = new float[c.length];
        }
        run(model, inputs, from, maxRows, logitBudget(model), (req, position, logits, max, logSum) -> {
            int next = full.get(req)[position + 1];
            out[req][position - from[req]] = (logits[next] - max) - logSum;
        });
        return Arrays.asList(out);
    }

    /** For each prefix, the natural log-softmax of the model's logits after its last token. */
    public static List<float[]> nextTokenLogprobs(Transformer model, List<int[]> prefixes, int maxRows) {
        int n = prefixes.size();
        int[] from = new int[n];
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            Inputs.check(model, "prefix " + i, prefixes.get(i), 0);
            from[i] = prefixes.get(i).length - 1;
        }
        run(model, prefixes, from, maxRows, logitBudget(model), (req, position, logits, max, logSum) -> {
            float[] lp = new float[logits.length];
            for (int v = 0; v < lp.length; v++) lp[v] = (logits[v] - max) - logSum;
            out[req] = lp;
        });
        return Arrays.asList(out);
    }

    private static int logitBudget(Transformer model) {
        return (int) Math.max(1, LOGIT_BUDGET_BYTES / (4L * model.vocabSize()));
    }

    private static int[] concat(int[] a, int[] b) {
        int[] ab = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        return ab;
    }

    /** Receives the logits after {@code position} of request {@code req}, with their log-softmax normaliser. */
    interface Sink {
        void accept(int req, int position, float[] logits, float max, float logSum);
    }

    /**
     * Runs every sequence and hands the sink the logits after each position {@code from[i]} to the
     * end of sequence i (none if from[i] is past it), asking one forward call for at most {@code maxLogitVectors}
     * of them where it can.
     */
    static void run(Transformer model, List<int[]> seqs, int[] from, int maxRows, int maxLogitVectors, Sink sink) {
        if (maxRows < 1) throw new IllegalArgumentException("max rows must be >= 1, got " + maxRows);
        int[] order = IntStream.range(0, seqs.size()).filter(i -> from[i] < seqs.get(i).length).boxed()
                .sorted((a, b) -> Arrays.compare(seqs.get(a), seqs.get(b))).mapToInt(Integer::intValue).toArray();
        int start = 0, distinct = 0;
        for (int k = 0; k < order.length; k++) {
            boolean repeat = k > start && Arrays.equals(seqs.get(order[k]), seqs.get(order[k - 1]));
            if (!repeat && distinct == maxRows) {
                new Chunk(model, seqs, from, Arrays.copyOfRange(order, start, k)).run(maxLogitVectors, sink);
                start = k;
                distinct = 0;
            }
            if (!repeat) distinct++;
        }
        if (start < order.length) new Chunk(model, seqs, from, Arrays.copyOfRange(order, start, order.length)).run(maxLogitVectors, sink);
    }

    /** Sorted requests sharing one KV cache; rows are ranges of them that share the tokens run so far. */
    private static final class Chunk {
        final Transformer model;
        final int[][] seq;     // by sorted index
        final int[] req, from, lcp;
        final List<int[]> seqs;
        final int[] fromByReq;

        Chunk(Transformer model, List<int[]> seqs, int[] from, int[] order) {
            this.model = model;
            this.seqs = seqs;
            this.fromByReq = from;
            int n = order.length;
            this.req = order;
            this.seq = new int[n][];
            this.from = new int[n];
            for (int k = 0; k < n; k++) {
                seq[k] = seqs.get(order[k]);
                this.from[k] = from[order[k]];
            }
            lcp = new int[Math.max(n - 1, 0)];
            for (int k = 0; k + 1 < n; k++) {
                int m = Arrays.mismatch(seq[k], seq[k + 1]);
                lcp[k] = m < 0 ? seq[k].length : m;
            }
        }

        /** Sequences [lo, hi) that share their first {@code depth} tokens, all in one cache row. */
        record Row(int lo, int hi, int depth) {}

        /** Tokens shared by all of [lo, hi): the minimum neighbour LCP, or the length of a lone sequence. */
        int common(int lo, int hi) {
            if (hi - lo == 1) return seq[lo].length;
            int c = Integer.MAX_VALUE;
            for (int k = lo; k < hi - 1; k++) c = Math.min(c, lcp[k]);
            return c;
        }

        /** The row without the sequences it has fully run, split where its sequences part ways. */
        void branch(Row row, int index, List<Row> rows, List<Integer> from) {
            int lo = row.lo, d = row.depth;
            while (lo < row.hi && seq[lo].length == d) lo++;
            if (lo == row.hi) return;
            if (common(lo, row.hi) > d) {
                rows.add(new Row(lo, row.hi, d));
                from.add(index);
                return;
            }
            int start = lo;
            for (int k = lo; k < row.hi - 1; k++) {
                if (lcp[k] == d) {
                    rows.add(new Row(start, k + 1, d));
                    from.add(index);
                    start = k + 1;
                }
            }
            rows.add(new Row(start, row.hi, d));
            from.add(index);
        }

        /** One forward's worth of slots: rows × steps, and which slots' logits go to whom. */
        record Wave(int[] select, List<Row> rows, int steps, int[] tokens, int[] positions, boolean[] real,
                    int[] wantedSlots, int[] wantedPosition, int[] wantedRow) {}

        void run(int budget, Sink sink) {
            List<Wave> waves = plan();
            int capacity = 0;
            for (Wave w : waves) capacity += w.steps;
            if (capacity > model.maxPositions() && req.length > 1) {
                // Padding made the rows longer than the model's positions (which a model may size its
                // cache by): two smaller chunks pad less.
                int half = req.length / 2;
                new Chunk(model, seqs, fromByReq, Arrays.copyOfRange(req, 0, half)).run(budget, sink);
                new Chunk(model, seqs, fromByReq, Arrays.copyOfRange(req, half, req.length)).run(budget, sink);
                return;
            }
            KvCache cache = model.newCache(waves.getFirst().rows.size(), capacity);
            for (Wave w : waves) {
                if (w.select != null) cache.select(w.select);
                forwardInPieces(cache, w, budget, sink);
            }
        }

        /**
         * Runs a wave as one forward call, or as several over consecutive columns when it asks for more
         * logit vectors than the budget: appending slots in pieces is the same as all at once.
         */
        void forwardInPieces(KvCache cache, Wave w, int budget, Sink sink) {
            int rows = w.rows.size(), steps = w.steps, next = 0;
            int col = 0;
            while (col < steps) {
                int end = col, wanted = 0, k = next;
                while (end < steps) {
                    int inColumn = 0;
                    while (k + inColumn < w.wantedSlots.length && w.wantedSlots[k + inColumn] % steps == end) inColumn++;
                    if (end > col && wanted + inColumn > budget) break;
                    wanted += inColumn;
                    k += inColumn;
                    end++;
                }
                int width = end - col;
                int[] tokens = new int[rows * width], positions = new int[rows * width];
                boolean[] real = new boolean[rows * width];
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(w.tokens, r * steps + col, tokens, r * width, width);
                    System.arraycopy(w.positions, r * steps + col, positions, r * width, width);
                    System.arraycopy(w.real, r * steps + col, real, r * width, width);
                }
                int[] slots = new int[wanted];
                for (int j = 0; j < wanted; j++) {
                    int s = w.wantedSlots[next + j];
                    slots[j] = (s / steps) * width + (s % steps - col);
                }
                float[][] logits = model.forward(cache, width, tokens, positions, real, slots);
                for (int j = 0; j < wanted; j++) deliver(w.rows.get(w.wantedRow[next + j]), w.wantedPosition[next + j], logits[j], sink);
                next += wanted;
                col = end;
            }
        }

        void deliver(Row row, int position, float[] logits, Sink sink) {
            float max = Logits.max(logits);
            float logSum = Logits.logSumExpShifted(logits, max);
            for (int k = row.lo; k < row.hi; k++)
                if (from[k] <= position && position < seq[k].length) sink.accept(req[k], position, logits, max, logSum);
        }

        boolean wanted(Row row, int position) {
            for (int k = row.lo; k < row.hi; k++) if (from[k] <= position && position < seq[k].length) return true;
            return false;
        }

        /** The waves, decided before anything runs so the cache can be sized. */
        List<Wave> plan() {
            List<Wave> waves = new ArrayList<>();
            List<Row> rows = new ArrayList<>();
            List<Integer> ignored = new ArrayList<>();
            branch(new Row(0, seq.length, 0), 0, rows, ignored);
            boolean first = true;
            int[] select = null;
            while (!rows.isEmpty()) {
                int steps;
                if (first) {
                    steps = 0;
                    for (Row r : rows) steps = Math.max(steps, common(r.lo, r.hi));
                } else {
                    int shortestShared = Integer.MAX_VALUE, longestLone = 0;
                    for (Row r : rows) {
                        int left = common(r.lo, r.hi) - r.depth;
                        if (r.hi - r.lo > 1) shortestShared = Math.min(shortestShared, left);
                        else longestLone = Math.max(longestLone, left);
                    }
                    steps = shortestShared != Integer.MAX_VALUE ? shortestShared : longestLone;
                }
                int n = rows.size();
                int[] tokens = new int[n * steps], positions = new int[n * steps];
                boolean[] real = new boolean[n * steps];
                List<int[]> wanted = new ArrayList<>(); // {slot, position, row}
                List<Row> after = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    Row r = rows.get(i);
                    int take = Math.min(steps, common(r.lo, r.hi) - r.depth);
                    int offset = first ? steps - take : 0; // left padding in the first wave, else padding after
                    Arrays.fill(positions, i * steps, (i + 1) * steps, PromptBatch.PAD_POSITION);
                    for (int t = 0; t < take; t++) {
                        int slot = i * steps + offset + t, position = r.depth + t;
                        tokens[slot] = seq[r.lo][position];
                        positions[slot] = position;
                        real[slot] = true;
                        if (wanted(r, position)) wanted.add(new int[] {slot, position, i});
                    }
                    after.add(new Row(r.lo, r.hi, r.depth + take));
                }
                int columns = steps; // forwardInPieces cuts by column: order by column, then row
                wanted.sort((a, b) -> a[0] % columns != b[0] % columns ? Integer.compare(a[0] % columns, b[0] % columns)
                        : Integer.compare(a[0], b[0]));
                int[] wantedSlots = wanted.stream().mapToInt(a -> a[0]).toArray();
                int[] wantedPosition = wanted.stream().mapToInt(a -> a[1]).toArray();
                int[] wantedRow = wanted.stream().mapToInt(a -> a[2]).toArray();
                waves.add(new Wave(select, rows, steps, tokens, positions, real,
                        wantedSlots, wantedPosition, wantedRow));
                first = false;
                List<Row> next = new ArrayList<>();
                List<Integer> sources = new ArrayList<>();
                for (int i = 0; i < after.size(); i++) branch(after.get(i), i, next, sources);
                select = sources.stream().mapToInt(Integer::intValue).toArray();
                if (Arrays.equals(select, IntStream.range(0, after.size()).toArray())) select = null;
                rows = next;
            }
            return waves;
        }
    }
}
