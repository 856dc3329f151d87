package piiprobe.engine;

import java.util.List;

/**
 * The one seam between what piiprobe asks a model and how the model computes: the local engine and
 * served models over HTTP both implement it, and the audit and the lab see nothing else.
 *
 * <p>All methods take token ids from {@link #tokenizer()} and work on a batch; implementations choose
 * how to split, pad and cache. A backend that cannot do something throws {@link UserError} naming what
 * it lacks; one that fails after its own retries (a served model that stays down) throws
 * {@link ModelUnavailableError}, and the call may be repeated later.
 */
public interface LanguageModel extends AutoCloseable {

    /** Short name for reports: the model folder's name, or the served model's name. */
    String name();

    Tokenizer tokenizer();

    /**
     * How many parameters (weights) the model has, for reports that compare models by size; -1 when the
     * backend cannot tell (a served model).
     */
    default long parameterCount() {
        return -1;
    }

    /**
     * Every id that ends a sequence (transformers' {@code eos_token_id}, one id or several, as Llama 3 has
     * {@code <|end_of_text|>} and {@code <|eot_id|>}); empty if the model has none. A new array each call.
     */
    int[] eosTokenIds();

    /** Continues every prompt; the result list is in prompt order. */
    List<Generation> generate(List<int[]> prompts, Decoding decoding, StopRule stop);

    /**
     * Teacher forcing: element i holds, for each token of {@code continuations.get(i)}, its natural
     * log-probability given {@code prompts.get(i)} and the continuation tokens before it (an empty
     * continuation gets an empty array). Pairs that share a prompt or a start should come in one call:
     * implementations may compute the shared part once.
     */
    List<float[]> continuationLogprobs(List<int[]> prompts, List<int[]> continuations);

    /**
     * The full next-token log-probability distribution (one value per vocabulary id) after each prefix.
     * Callers exploring many prefixes that share a start should pass them together: implementations
     * may reuse the shared part's computation. Each result holds a whole vocabulary (50,257 floats for
     * GPT-2), so callers with thousands of prefixes should pass them in slices.
     *
     * <p>A served model may return only its N most likely ids (OpenAI-compatible servers cap N, often
     * at 5 or 20): every other id then holds {@code -Infinity}, so the probabilities in the array can
     * sum to less than 1. The missing mass belongs to ids that are unknown, not impossible: a sound
     * upper bound must count it as possibly matching, a sound lower bound as not matching.
     */
    List<float[]> nextTokenLogprobs(List<int[]> prefixes);

    @Override
    void close();
}
