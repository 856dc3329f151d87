package piiprobe.engine;

/**
 * Text to token ids and back, as the model's Hugging Face tokenizer does it.
 *
 * <p>{@link #encode} adds no special tokens and never truncates; {@link #decode} keeps special tokens
 * and does no clean-up of spaces (transformers' {@code clean_up_tokenization_spaces=False}), and
 * bytes that do not form valid UTF-8 become U+FFFD.
 */
public interface Tokenizer {
    int[] encode(String text);

    String decode(int[] ids);

    /**
     * Whether {@code id} is a special token (end of text, padding, chat markers...): what transformers'
     * {@code decode(..., skip_special_tokens=True)} leaves out. For a tokenizer.json, the ids whose
     * token is the content of an added token marked {@code "special": true}, as the tokenizers library
     * decides it.
     */
    boolean isSpecial(int id);

    /** Number of ids the tokenizer can produce (base vocabulary plus added tokens). */
    int vocabSize();
}
