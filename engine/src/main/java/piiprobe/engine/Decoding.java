package piiprobe.engine;

/**
 * How new tokens are chosen, with transformers' {@code generate()} semantics. Every decoding stops a
 * row at the end-of-sequence token once {@code minNewTokens} are out (before that the token is
 * banned) and after {@code maxNewTokens}.
 */
public sealed interface Decoding {
    int maxNewTokens();

    int minNewTokens();

    /** Argmax at every step. */
    record Greedy(int maxNewTokens, int minNewTokens) implements Decoding {
        public Greedy {
            checkLengths(maxNewTokens, minNewTokens);
        }
    }

    /**
     * Multinomial sampling after temperature, then top-k ({@code topK <= 0}: off), then top-p
     * ({@code topP >= 1}: off), in transformers' order. The random stream of a row depends only on
     * {@code seed}, the row's prompt ids and how many identical prompts precede it in the same call,
     * so results do not depend on how rows are batched.
     */
    record Sampling(int maxNewTokens, int minNewTokens, float temperature, int topK, float topP, long seed)
            implements Decoding {
        public Sampling {
            checkLengths(maxNewTokens, minNewTokens);
            if (!(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
            if (!(topP > 0)) throw new IllegalArgumentException("top-p must be > 0, got " + topP);
        }
    }

    /**
     * Beam search as transformers 4.40's {@code BeamSearchScorer}: per step the top 2·numBeams
     * candidates over numBeams×vocab, finished hypotheses scored by sum of log-probs / length^lengthPenalty,
     * {@code earlyStopping} true stops a row once numBeams hypotheses are finished. Returns
     * {@code numReturnSequences} sequences per prompt, best first.
     */
    record Beam(int maxNewTokens, int minNewTokens, int numBeams, float lengthPenalty, boolean earlyStopping,
                int numReturnSequences) implements Decoding {
        public Beam {
            checkLengths(maxNewTokens, minNewTokens);
            if (numBeams < 1) throw new IllegalArgumentException("num-beams must be >= 1, got " + numBeams);
            if (numReturnSequences < 1 || numReturnSequences > numBeams)
                throw new IllegalArgumentException("num-return-sequences must be in 1.." + numBeams + ", got " + numReturnSequences);
        }
    }

    private static void checkLengths(int max, int min) {
        if (max < 1) throw new IllegalArgumentException("max-new-tokens must be >= 1, got " + max);
        if (min < 0 || min > max) throw new IllegalArgumentException("min-new-tokens must be in 0.." + max + ", got " + min);
    }
}
