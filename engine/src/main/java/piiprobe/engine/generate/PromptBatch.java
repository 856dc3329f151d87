package piiprobe.engine.generate;

import piiprobe.engine.UserError;
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
            checkTokens(model, "prompt " + r, p, maxNewTokens);
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

    /**
     * Rejects what the model cannot run: an empty sequence, an id outside its vocabulary, or more
     * tokens (plus {@code extra} to come) than it has positions. {@code what} names the sequence for
     * the message ("prompt 3").
     */
    static void checkTokens(Transformer model, String what, int[] ids, int extra) {
        if (ids.length == 0) throw new UserError(what + " is empty: there is nothing to condition on");
        int vocab = model.vocabSize();
        for (int i = 0; i < ids.length; i++)
            if (ids[i] < 0 || ids[i] >= vocab)
                throw new UserError(what + ": token id " + ids[i] + " at " + i
                        + " is outside the model's vocabulary (0.." + (vocab - 1) + ")");
        if ((long) ids.length + extra > model.maxPositions())
            throw new UserError(what + " has " + ids.length + " tokens"
                    + (extra > 0 ? " and " + extra + " more are asked for" : "")
                    + ": the model has only " + model.maxPositions() + " positions");
    }
}
