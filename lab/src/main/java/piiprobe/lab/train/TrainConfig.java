package piiprobe.lab.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How to train: AdamW (torch's semantics) with a linear warm-up to the peak learning rate, then
 * cosine decay to the minimum at the last step, and clipping of the gradients' global norm.
 * Weight decay applies to the blocks' weight matrices only, not to biases, LayerNorm gains or the
 * embeddings (the tied head included), as minGPT and nanoGPT's GPT-2 recipe do.
 *
 * @param steps             optimizer steps
 * @param batchSize         sequences per step
 * @param seq               tokens per sequence (at most the model's n_positions)
 * @param learningRate      peak learning rate, reached at the end of warm-up
 * @param minLearningRate   learning rate at the last step
 * @param warmupSteps       steps of linear warm-up from 0
 * @param weightDecay       decoupled weight decay of the weight matrices
 * @param beta1             AdamW's first-moment decay
 * @param beta2             AdamW's second-moment decay
 * @param eps               AdamW's epsilon
 * @param gradClip          largest global gradient norm; 0 for no clipping
 * @param seed              the order of the training windows follows from it (the model's initial weights have their own seed)
 * @param evalEvery         steps between validation losses (and at the last step); 0 for none
 * @param checkpointSeconds seconds between resumable checkpoints of the training state
 */
public record TrainConfig(int steps, int batchSize, int seq, float learningRate, float minLearningRate, int warmupSteps,
                          float weightDecay, float beta1, float beta2, float eps, float gradClip, long seed,
                          int evalEvery, int checkpointSeconds) {
    public TrainConfig {
        if (steps < 1 || batchSize < 1 || seq < 1) throw new IllegalArgumentException("steps, batch size and sequence length must be positive");
        if (warmupSteps < 0 || warmupSteps > steps) throw new IllegalArgumentException("warm-up steps must be in [0, steps], got " + warmupSteps);
        if (!(learningRate > 0) || minLearningRate < 0 || minLearningRate > learningRate)
            throw new IllegalArgumentException("learning rates must satisfy 0 <= min <= peak and peak > 0");
        if (evalEvery < 0 || checkpointSeconds < 0 || gradClip < 0) throw new IllegalArgumentException("negative interval or clip");
    }

    /** The learning rate of step {@code step} (from 1): linear warm-up, then cosine decay to the minimum. */
    public float learningRate(int step) {
        if (step <= warmupSteps) return learningRate * step / warmupSteps;
        double progress = (double) (step - warmupSteps) / Math.max(1, steps - warmupSteps);
        return (float) (minLearningRate + 0.5 * (learningRate - minLearningRate) * (1 + Math.cos(Math.PI * progress)));
    }

    public long tokensPerStep() {
        return (long) batchSize * seq;
    }

    /** The settings that decide the trained weights (not when checkpoints are written). */
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("steps", steps).put("batch_size", batchSize).put("seq", seq).put("learning_rate", learningRate)
                .put("min_learning_rate", minLearningRate).put("warmup_steps", warmupSteps).put("weight_decay", weightDecay)
                .put("beta1", beta1).put("beta2", beta2).put("eps", eps).put("grad_clip", gradClip).put("seed", seed)
                .put("eval_every", evalEvery);
        return o;
    }
}
