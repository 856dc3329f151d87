package piiprobe.lab.train;

/**
 * What training minimizes, as a function of the model's next-token log-probabilities. The trainer
 * computes log p(target) for every token, asks the objective for the loss and for each token's
 * weight w = −∂loss/∂log p(target), and backpropagates Σ w · log p(target) taken negative. Plain
 * training is {@link NextTokenLoss}; unlearning objectives (gradient ascent, NPO) weigh the same
 * log-probabilities differently.
 */
public interface Objective {
    /**
     * @param inputs  the batch's input tokens, {@code batch × seq} row-major (an objective that compares
     *                with a reference model runs it on them)
     * @param logprob log p(target) per token, same layout (0 where there is no target)
     * @param targets the target ids, negative where a token has none
     * @param weight  filled with −∂loss/∂logprob per token (0 where there is no target)
     * @return the loss of this batch
     */
    double weigh(int[] inputs, float[] logprob, int[] targets, int batch, int seq, float[] weight);
}
