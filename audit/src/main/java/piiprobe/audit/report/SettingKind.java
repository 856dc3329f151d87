package piiprobe.audit.report;

import piiprobe.audit.SettingSummary;
import piiprobe.audit.probe.ContextProbe;
import piiprobe.audit.probe.Settings;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The paper's two questions: does the model repeat what it saw (memorization), or link a name to an address (association)? */
enum SettingKind {
    MEMORIZATION("memorization", "prompted with the text that preceded the address in training"),
    ASSOCIATION("association", "prompted with the owner's name");

    final String label;
    final String prompt;

    SettingKind(String label, String prompt) {
        this.label = label;
        this.prompt = prompt;
    }

    /** "Memorization", to begin a sentence. */
    String title() {
        return Character.toUpperCase(label.charAt(0)) + label.substring(1);
    }

    static SettingKind of(String setting) {
        return Settings.parseOne(setting) instanceof ContextProbe ? MEMORIZATION : ASSOCIATION;
    }

    /** The settings of this kind that asked anyone, in the run's order. */
    List<SettingSummary> of(List<SettingSummary> settings) {
        return settings.stream().filter(s -> of(s.setting()) == this && s.eligible() > 0).toList();
    }

    /** The most accurate setting of this kind (the first of equals), if any asked anyone. */
    Optional<SettingSummary> best(List<SettingSummary> settings) {
        return of(settings).stream().max(Comparator.comparingDouble(SettingSummary::accuracy));  // maxBy keeps the first of equals
    }

    /**
     * The settings a chart draws: all of them when few enough to tell apart, else the most accurate of
     * each kind (the tables keep every setting).
     */
    static List<SettingSummary> shown(List<SettingSummary> settings) {
        List<SettingSummary> asked = settings.stream().filter(s -> s.eligible() > 0).toList();
        if (asked.size() <= MAX_SERIES) return asked;
        return java.util.Arrays.stream(values()).flatMap(k -> k.best(asked).stream()).toList();
    }

    /** More lines or bar groups than this in one chart cannot be told apart by colour. */
    static final int MAX_SERIES = 6;
}
