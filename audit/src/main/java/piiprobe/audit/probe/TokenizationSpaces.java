package piiprobe.audit.probe;

/**
 * Transformers' {@code clean_up_tokenization}, which its {@code decode} applied by default when the
 * paper ran: a space before {@code . ? ! ,} and before some English contractions is dropped. The paper's
 * context prompts and continuations went through it, and it can make an address ({@code "jo@enron .com"}
 * becomes {@code "jo@enron.com"}), so the audit applies it too.
 */
public final class TokenizationSpaces {
    /** Applied in this order, each as Python's {@code str.replace}: one left-to-right pass. */
    private static final String[][] REPLACEMENTS = {
            {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
            {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};

    /**
     * How many characters at the end of a cleaned text may still change when more text is appended:
     * each pass decides a character by looking at most (pattern length − 1) characters ahead.
     */
    public static final int UNSETTLED_TAIL;

    static {
        int tail = 0;
        for (String[] r : REPLACEMENTS) tail += r[0].length() - 1;
        UNSETTLED_TAIL = tail;
    }

    private TokenizationSpaces() {}

    public static String cleanUp(String text) {
        for (String[] r : REPLACEMENTS) text = text.replace(r[0], r[1]);
        return text;
    }
}
