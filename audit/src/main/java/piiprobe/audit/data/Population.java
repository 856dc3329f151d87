package piiprobe.audit.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The people an audit asks about, chosen as the paper did: names of more than {@value #MAX_NAME_WORDS}
 * words are left out (its analysis skips them), and when the data set gives k-shot supports, people
 * without them are left out too (the paper ran every setting over the people of its k-shot files, so
 * that settings are comparable). On the built-in set this leaves 3,238 of 3,333.
 *
 * @param members          the audited people in data set order, each with its index in the data set
 * @param people           how many people the data set has
 * @param longNames        left out for a name of more than {@value #MAX_NAME_WORDS} words
 * @param withoutSupports  left out for lacking supports (their name being short enough)
 * @param beyondLimit      left out by {@code --limit}
 */
public record Population(List<Member> members, int people, int longNames, int withoutSupports, int beyondLimit) {
    public static final int MAX_NAME_WORDS = 3;

    /** A person of the population and the 0-based index of their line among the data set's people. */
    public record Member(int index, Person person) {}

    public Population {
        members = List.copyOf(members);
    }

    /** The population of {@code dataset}, cut to its first {@code limit} members when {@code limit > 0}. */
    public static Population of(Dataset dataset, int limit) {
        boolean needSupports = dataset.hasSupports();
        List<Member> members = new ArrayList<>();
        int longNames = 0, withoutSupports = 0, beyondLimit = 0;
        List<Person> people = dataset.people();
        for (int i = 0; i < people.size(); i++) {
            Person p = people.get(i);
            if (p.nameWords().size() > MAX_NAME_WORDS) longNames++;
            else if (needSupports && p.shots() == null) withoutSupports++;
            else if (limit > 0 && members.size() >= limit) beyondLimit++;
            else members.add(new Member(i, p));
        }
        return new Population(members, people.size(), longNames, withoutSupports, beyondLimit);
    }
}
