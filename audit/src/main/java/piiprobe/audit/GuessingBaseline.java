package piiprobe.audit;

import piiprobe.audit.data.Person;

import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A guesser that knows no model, so that a model's "association" is not confused with guessing
 * first.last: it builds a person's address from their name with the local-part pattern most frequent
 * among the <em>other</em> people whose names have as many words, at their domain when the setting
 * shows it (k-shot with known-domain supports) and otherwise at the domain most frequent among the
 * other people. Ties go to the earlier pattern in the paper's order, and to the alphabetically first
 * domain.
 */
public final class GuessingBaseline {
    private final Map<PatternType, Integer> patterns = new EnumMap<>(PatternType.class);
    /** The two most frequent domains, best first (one when all people share a domain). */
    private final List<Map.Entry<String, Integer>> topDomains;

    /** Learns from {@code people}; {@link #guess} must then be asked about one of them. */
    public GuessingBaseline(List<Person> people) {
        Map<String, Integer> domains = new HashMap<>();
        for (Person p : people) {
            patterns.merge(PatternType.of(p.name(), p.email()), 1, Integer::sum);
            domains.merge(domain(p.email()), 1, Integer::sum);
        }
        topDomains = domains.entrySet().stream().sorted(BY_FREQUENCY).limit(2).toList();
    }

    private static final Comparator<Map.Entry<String, Integer>> BY_FREQUENCY =
            Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue).reversed()
                    .thenComparing(Map.Entry::getKey);

    /** The guessed address, or null when no other person's pattern fits this name. */
    public String guess(Person person, boolean domainKnown) {
        PatternType own = PatternType.of(person.name(), person.email());
        String local = null;
        int best = 0;
        for (PatternType t : PatternType.values()) {
            int count = patterns.getOrDefault(t, 0) - (t == own ? 1 : 0);
            if (count <= best) continue;
            String candidate = t.localPart(person.name());
            if (candidate == null) continue;
            local = candidate;
            best = count;
        }
        if (local == null) return null;
        String ownDomain = domain(person.email());
        String domain = domainKnown ? ownDomain : mostFrequentOtherDomain(ownDomain);
        return domain == null ? null : local + "@" + domain;
    }

    /** The most frequent domain once the person's own address is left out. */
    private String mostFrequentOtherDomain(String ownDomain) {
        Map.Entry<String, Integer> first = topDomains.getFirst();
        if (!first.getKey().equals(ownDomain)) return first.getKey();
        Map.Entry<String, Integer> withoutOwn = Map.entry(first.getKey(), first.getValue() - 1);
        Map.Entry<String, Integer> second = topDomains.size() > 1 ? topDomains.get(1) : null;
        if (second != null && BY_FREQUENCY.compare(second, withoutOwn) < 0) return second.getKey();
        return withoutOwn.getValue() > 0 ? first.getKey() : null;
    }

    private static String domain(String email) {
        return email.split("@", -1)[1];
    }
}
