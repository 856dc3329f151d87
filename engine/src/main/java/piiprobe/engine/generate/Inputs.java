package piiprobe.engine.generate;

import piiprobe.engine.UserError;
import piiprobe.engine.model.Transformer;

/** Checks of token sequences before a model runs them, so a bad one fails at once and says which. */
public final class Inputs {
    private Inputs() {}

    /**
     * Rejects what the model cannot run: an empty sequence, an id outside its vocabulary, or more
     * tokens (plus {@code extra} to come) than it has positions. {@code what} names the sequence for
     * the message ("prompt 3").
     */
    public static void check(Transformer model, String what, int[] ids, int extra) {
        if (ids.length == 0) throw new UserError(what + " is empty: there is nothing to condition on");
        int vocab = model.vocabSize();
        for (int i = 0; i < ids.length; i++)
            if (ids[i] < 0 || ids[i] >= vocab)
                throw new UserError(what + ": token id " + ids[i] + " at " + i
                        + " is outside the model's vocabulary (0.." + (vocab - 1) + ")");
        if ((long) ids.length + extra > model.maxPositions())
            throw new UserError(what + " has " + ids.length + (ids.length == 1 ? " token" : " tokens")
                    + (extra > 0 ? " and " + extra + " more are asked for" : "")
                    + ": the model has only " + model.maxPositions() + " positions");
    }
}
