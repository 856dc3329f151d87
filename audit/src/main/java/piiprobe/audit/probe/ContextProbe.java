package piiprobe.audit.probe;

import piiprobe.audit.data.Person;
import piiprobe.engine.Tokenizer;

import java.util.Arrays;

/**
 * The text that preceded the address in training: the context's last {@value #CONTEXT_CHARS}
 * characters (code points, as Python slices) are tokenized with the model's tokenizer, and the last
 * {@code k} tokens, decoded back to text (with transformers' default {@link TokenizationSpaces clean-up}),
 * are the prompt. The audit tokenizes that text again, as the paper's batch tokenizer did.
 */
public record ContextProbe(int k) implements Probe {
    public static final int CONTEXT_CHARS = 1000;

    public ContextProbe {
        if (k < 1) throw new IllegalArgumentException("context-K needs K >= 1, got " + k);
    }

    @Override
    public String setting() {
        return "context-" + k;
    }

    @Override
    public boolean appliesTo(Person person) {
        return person.context() != null && !person.context().isEmpty();
    }

    @Override
    public String needs() {
        return "a context";
    }

    @Override
    public String prompt(Person person, Tokenizer tokenizer) {
        String context = person.context();
        int n = context.codePointCount(0, context.length());
        String tail = n <= CONTEXT_CHARS ? context : context.substring(context.offsetByCodePoints(0, n - CONTEXT_CHARS));
        int[] ids = tokenizer.encode(tail);
        return TokenizationSpaces.cleanUp(tokenizer.decode(ids.length <= k ? ids : Arrays.copyOfRange(ids, ids.length - k, ids.length)));
    }
}
