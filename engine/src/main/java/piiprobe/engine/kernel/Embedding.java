package piiprobe.engine.kernel;

import piiprobe.engine.checkpoint.TensorRef;

/** Rows of an embedding table, read from the checkpoint in its stored dtype. */
public final class Embedding {
    private Embedding() {}

    /** out[i] = table[ids[i]] for every i, rows of width {@code table.shape()[1]}. */
    public static void gather(TensorRef table, int[] ids, float[] out) {
        int d = (int) table.shape()[1];
        Parallel.forRange(ids.length, 64, (from, to) -> {
            for (int i = from; i < to; i++) Widen.row(table.data(), table.dtype(), ids[i], out, i * d, d);
        });
    }

    /** out[i] += table[ids[i]] (GPT-2 and GPT-Neo add learned position embeddings this way). */
    public static void add(TensorRef table, int[] ids, float[] out) {
        int d = (int) table.shape()[1];
        Parallel.forRange(ids.length, 64, (from, to) -> {
            float[] row = new float[d];
            for (int i = from; i < to; i++) {
                Widen.row(table.data(), table.dtype(), ids[i], row, 0, d);
                for (int e = 0; e < d; e++) out[i * d + e] += row[e];
            }
        });
    }
}
