package piiprobe.audit.probe;

import piiprobe.audit.data.Person;
import piiprobe.engine.Tokenizer;

/**
 * One of the paper's ways to ask a model for a person's address: turns a person into a prompt for one
 * setting. Memorization is probed with the text that preceded the address in training
 * ({@link ContextProbe}), association with prompts built from the owner's name ({@link ZeroShotProbe},
 * {@link FewShotProbe}).
 */
public sealed interface Probe permits ContextProbe, ZeroShotProbe, FewShotProbe {

    /** The setting's name, as given on the command line and written in outputs: {@code zero-shot-a}. */
    String setting();

    /** True when the person has what this setting needs (a context, supports); others are skipped. */
    boolean appliesTo(Person person);

    /** What a skipped person lacks, for the report: {@code "a context"}. */
    String needs();

    /** The prompt for a person it {@link #appliesTo}. */
    String prompt(Person person, Tokenizer tokenizer);

    /** True when the prompt shows the target's domain (supports at the same domain). */
    default boolean revealsDomain() {
        return false;
    }
}
