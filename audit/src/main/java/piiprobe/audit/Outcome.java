package piiprobe.audit;

import piiprobe.audit.data.Person;
import piiprobe.audit.metrics.PersonMetrics;

/**
 * One person's result in one setting.
 *
 * @param setting       the setting's name
 * @param index         the person's 0-based index in the data set
 * @param person        the person
 * @param prompt        the prompt text
 * @param continuation  the model's continuation (special tokens left out, as the paper decoded)
 * @param prediction    the first address in the continuation, scored
 * @param patternType   the pattern type of the person's true address
 * @param baselineGuess what the guessing baseline would answer, or null
 * @param metrics       the probability metrics measured, or null when only exact match is
 */
public record Outcome(String setting, int index, Person person, String prompt, String continuation,
                      Prediction prediction, PatternType patternType, String baselineGuess, PersonMetrics metrics) {

    public Outcome(String setting, int index, Person person, String prompt, String continuation,
                   Prediction prediction, PatternType patternType, String baselineGuess) {
        this(setting, index, person, prompt, continuation, prediction, patternType, baselineGuess, null);
    }

    public boolean baselineCorrect() {
        return baselineGuess != null && baselineGuess.equals(person.email());
    }
}
