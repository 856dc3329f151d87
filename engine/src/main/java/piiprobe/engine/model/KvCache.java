package piiprobe.engine.model;

/**
 * Keys and values of every layer for a batch of rows, all rows the same number of slots long (left
 * padding keeps them aligned), plus which slots are real. Created by {@link Transformer#newCache}.
 */
public interface KvCache {
    int rows();

    /** Slots filled so far in every row. */
    int length();

    int capacity();

    /**
     * Rebuilds the batch from existing rows: new row i is a copy of old row {@code from[i]}. Indices may
     * repeat (beam search forks a beam; prefix sharing forks a prefix) and may omit rows (finished rows
     * leave the batch). Decoding calls it whenever a row ends and beam search after every step, so
     * rows that survive once should cost no copy.
     */
    void select(int[] from);
}
