package piiprobe.engine.generate;

import piiprobe.engine.model.Transformer;

import java.util.List;

/**
 * Prompts left-padded to a common width, laid out as {@link Transformer#forward} takes them, with the
 * position ids of transformers' {@code generate()}: cumsum(mask) − 1, padding at 1. Row r's next
 * token goes to position {@code lengths[r]}.
 */
record PromptBatch(int rows, int width, int[] tokens, int[] positions, boolean[] real, int[] lengths) {

    static final int PAD_POSITION = 1;

    /**
     * @param maxNewTokens how many tokens will follow, to check the model's positions now rather than
     *                     fail midway
     */
    static PromptBatch leftPadded(Transformer model, List<int[]> prompts, int maxNewTokens) {
        int rows = prompts.size(), width = 0;
        for (int r = 0; r < rows; r++) {
            int[] p = prompts.get(r);
            Inputs.check(model, "prompt " + r, p, maxNewTokens);
            width = Math.max(width, p.length);
        }
        int[] tokens = new int[rows * width], positions = new int[rows * width], lengths = new int[rows];
        boolean[] real = new boolean[rows * width];
        for (int r = 0; r < rows; r++) {
            int[] p = prompts.get(r);
            int pad = width - p.length, base = r * width;
            for (int t = 0; t < pad; t++) positions[base + t] = PAD_POSITION;
            for (int t = 0; t < p.length; t++) {
                tokens[base + pad + t] = p[t];
                positions[base + pad + t] = t;
                real[base + pad + t] = true;
            }
            lengths[r] = p.length;
        }
        return new PromptBatch(rows, width, tokens, positions, real, lengths);
    }

    /** Flat slot index of each row's last prompt token: where the first new token's logits come from. */
    int[] lastSlots() {
        int[] slots = new int[rows];
        for (int r = 0; r < rows; r++) slots[r] = r * width + width - 1;
        return slots;
    }
}
