package piiprobe.lab.train;

/**
 * Where a trainer's examples come from. The batch of any step is rebuilt from the step number alone,
 * never from the batches before it, so a resumed run sees exactly the batches an uninterrupted one
 * would. {@link TokenWindows} serves language modelling; unlearning serves its forget set its own way.
 */
public interface Batches {
    /**
     * Fills the inputs and targets of step {@code step} (from 1): {@code inputs.length / seq} sequences
     * of {@code seq} tokens, row-major; a negative target marks a token without one.
     */
    void fill(int step, int[] inputs, int[] targets);
}
