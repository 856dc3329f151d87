package piiprobe.engine;

/**
 * Lets a caller end one row of a batched generation early, for example once the answer it waits for
 * can no longer change. Greedy and sampling ask it after every new token, except one that ends the
 * row anyway (an end-of-sequence token, or the max-new-tokens-th); beam search does not ask it. It is
 * called on the generating thread, so it should be cheap: the batch waits for it. It must be a pure
 * function of its arguments: a served model that retries a row after a failure asks again from the
 * row's first token, and may ask from several threads at once (for different rows).
 */
@FunctionalInterface
public interface StopRule {
    /**
     * @param row    index of the prompt in the list given to {@link LanguageModel#generate}
     * @param newIds the tokens generated so far for that row (not to be modified)
     * @return true to stop generating for this row; its result is the tokens so far
     */
    boolean shouldStop(int row, int[] newIds);

    StopRule NEVER = (row, newIds) -> false;
}
