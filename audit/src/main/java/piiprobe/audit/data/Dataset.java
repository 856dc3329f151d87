package piiprobe.audit.data;

import java.util.List;

/**
 * People loaded from one data set, with what identifies the data: {@code source} is {@code "enron"} for
 * the built-in set or the file's absolute path, {@code sha256} the hash of its bytes (a run records it,
 * so that re-scoring against changed data is caught), and {@code duplicates} one line per repeated
 * name or address (line numbers only: the lines may be printed and must not leak the people).
 */
public record Dataset(String source, String sha256, List<Person> people, List<String> duplicates) {
    public Dataset {
        people = List.copyOf(people);
        duplicates = List.copyOf(duplicates);
    }

    /** True when any person has k-shot supports. */
    public boolean hasSupports() {
        return people.stream().anyMatch(p -> p.shots() != null);
    }

    /** True when any person is a control (held out of the training corpus). */
    public boolean hasControls() {
        return people.stream().anyMatch(Person::control);
    }

    /** True when any person has a context. */
    public boolean hasContexts() {
        return people.stream().anyMatch(p -> p.context() != null);
    }
}
