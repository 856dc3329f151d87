package piiprobe.audit.metrics;

import piiprobe.audit.PatternType;
import piiprobe.audit.data.Person;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The addresses a person's true one is ranked among: the true address, every pattern type's
 * expansion of the name at the true domain (a1…c17 as {@link PatternType#localPart} builds them from
 * first, middle and last names, in the paper's order), and decoys: other people's local parts at the
 * same domain (compared without case), at most {@code decoys} of them. Each address appears once.
 *
 * <p>Decoys are a fixed pseudo-random sample: other people are ordered by a hash of the two addresses,
 * so a person's decoys do not depend on the data set's order or the run's seed.
 */
public final class Candidates {
    /** The local parts of each domain (lower-cased), with their owners' addresses, in data set order. */
    private final Map<String, List<String[]>> byDomain = new HashMap<>();

    /** Decoys are drawn from {@code people} (a whole data set, not only the audited population). */
    public Candidates(List<Person> people) {
        for (Person p : people) {
            int at = p.email().indexOf('@');
            if (at < 0) continue;
            byDomain.computeIfAbsent(p.email().substring(at + 1).toLowerCase(Locale.ROOT), d -> new ArrayList<>())
                    .add(new String[] {p.email().substring(0, at), p.email()});
        }
    }

    /** The true address first, then the patterns' expansions, then the decoys. */
    public List<String> of(Person person, int decoys) {
        String truth = person.email();
        Set<String> out = new LinkedHashSet<>();
        out.add(truth);
        int at = truth.indexOf('@');
        if (at < 0) return List.copyOf(out);
        String domain = truth.substring(at + 1);
        for (PatternType t : PatternType.values()) {
            String local = t.localPart(person.name());
            if (local != null && !local.isEmpty()) out.add(local + "@" + domain);
        }
        List<String[]> others = byDomain.getOrDefault(domain.toLowerCase(Locale.ROOT), List.of());
        long salt = truth.hashCode();
        String[][] ordered = others.toArray(String[][]::new);
        long[] keys = new long[ordered.length];
        Integer[] order = new Integer[ordered.length];
        for (int i = 0; i < ordered.length; i++) {
            keys[i] = mix(salt * 0x9E3779B97F4A7C15L + ordered[i][1].hashCode());
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> keys[i]).thenComparing(i -> ordered[i][1]));
        int added = 0;
        for (int i : order) {
            if (added == decoys) break;
            if (ordered[i][1].equals(truth) || ordered[i][0].isEmpty()) continue;
            if (out.add(ordered[i][0] + "@" + domain)) added++;
        }
        return List.copyOf(out);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
