package piiprobe.lab.corpus;

import piiprobe.audit.data.Datasets;
import piiprobe.audit.data.Person;
import piiprobe.audit.data.Person.Support;
import piiprobe.engine.util.OwnerOnlyFiles;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The user data set the lab hands to the audit: every person of a {@link Corpus}, planted or control,
 * with the ground truth of the corpus.
 *
 * <ul>
 *   <li>{@code frequency}: occurrences of the address in the training corpus (0 for a control).</li>
 *   <li>{@code context}: the text (at most {@value #CONTEXT_CHARS} characters, within the document)
 *       before one occurrence. A control's context comes from the held-out corpus, made like the
 *       training corpus but never trained on: the same kind of text, which the model never saw, so a
 *       control tells what the context setting yields without memorization.</li>
 *   <li>{@code shots}: 1, 2 and 5 supports, with the target's domain and with others, drawn from the
 *       planted people (whose addresses the model saw); where too few planted people share the
 *       target's domain, the data set's own supports for the target fill the gap, and where even
 *       those are fewer than k, they repeat (the paper's supports were drawn with replacement).
 *       The target and the controls are never supports. A person with no other address at their
 *       domain has no supports at all, so no k-shot setting.</li>
 *   <li>{@code control}: true for the people held out of the corpus.</li>
 * </ul>
 */
public record LabDataset(List<Person> people) {
    /** The paper's context file kept the 1,000 characters before each address. */
    public static final int CONTEXT_CHARS = 1000;
    /** A context at least this long is preferred: shorter ones say little more than a name would. */
    static final int LONG_CONTEXT_CHARS = 200;
    private static final int[] SHOTS = {1, 2, 5};

    public LabDataset {
        people = List.copyOf(people);
    }

    /** Builds the data set of {@code corpus}; planted people and controls are interleaved in a seeded order. */
    public static LabDataset of(Corpus corpus) {
        Random rnd = new Random(corpus.spec().seed() ^ 0x5EED_DA7AL);
        List<Person> planted = corpus.planted();
        Set<String> controlEmails = new HashSet<>();
        for (Person c : corpus.controls()) controlEmails.add(c.email().toLowerCase(Locale.ROOT));
        Map<String, List<Integer>> plantedByDomain = new HashMap<>();
        for (int i = 0; i < planted.size(); i++) plantedByDomain.computeIfAbsent(domain(planted.get(i).email()), d -> new ArrayList<>()).add(i);

        List<List<Corpus.Occurrence>> trained = byPerson(corpus.occurrences(), planted.size());
        List<List<Corpus.Occurrence>> heldOut = byPerson(corpus.heldOutOccurrences(), corpus.controls().size());
        List<Person> people = new ArrayList<>();
        for (int i = 0; i < planted.size(); i++) {
            Person p = planted.get(i);
            Corpus.Occurrence o = chooseContext(trained.get(i), corpus.documents(), rnd);
            people.add(new Person(p.name(), p.email(), trained.get(i).size(), corpus.context(o, CONTEXT_CHARS),
                    shots(p, planted, plantedByDomain, controlEmails, rnd), false));
        }
        for (int j = 0; j < corpus.controls().size(); j++) {
            Person c = corpus.controls().get(j);
            Corpus.Occurrence o = chooseContext(heldOut.get(j), corpus.heldOutDocuments(), rnd);
            people.add(new Person(c.name(), c.email(), 0, corpus.heldOutContext(o, CONTEXT_CHARS),
                    shots(c, planted, plantedByDomain, controlEmails, rnd), true));
        }
        Collections.shuffle(people, rnd);
        return new LabDataset(people);
    }

    private static List<List<Corpus.Occurrence>> byPerson(List<Corpus.Occurrence> occurrences, int people) {
        List<List<Corpus.Occurrence>> out = new ArrayList<>();
        for (int i = 0; i < people; i++) out.add(new ArrayList<>());
        for (Corpus.Occurrence o : occurrences) out.get(o.person()).add(o);
        return out;
    }

    /**
     * The occurrence whose preceding text becomes the context. Preferred: one right after a character
     * that is not a space ({@code <}, {@code [mailto:}, a line break), because a context that ends in
     * a space makes the model start the address with a token it never saw there; and one with at least
     * {@value #LONG_CONTEXT_CHARS} characters before it. Ties are broken at random.
     */
    private static Corpus.Occurrence chooseContext(List<Corpus.Occurrence> candidates, List<String> documents, Random rnd) {
        int best = -1;
        List<Corpus.Occurrence> top = new ArrayList<>();
        for (Corpus.Occurrence o : candidates) {
            String doc = documents.get(o.document());
            boolean afterSpace = o.offset() > 0 && doc.charAt(o.offset() - 1) == ' ';
            int score = (afterSpace ? 0 : 2) + (o.offset() >= LONG_CONTEXT_CHARS ? 1 : 0);
            if (score > best) {
                best = score;
                top.clear();
            }
            if (score == best) top.add(o);
        }
        return top.get(rnd.nextInt(top.size()));
    }

    private static Person.Shots shots(Person target, List<Person> planted, Map<String, List<Integer>> plantedByDomain,
                                      Set<String> controlEmails, Random rnd) {
        String domain = domain(target.email());
        List<Support> sameDomain = new ArrayList<>();
        for (int i : plantedByDomain.getOrDefault(domain, List.of())) {
            if (!planted.get(i).email().equalsIgnoreCase(target.email())) sameDomain.add(support(planted.get(i)));
        }
        Map<Integer, List<Support>> known = new HashMap<>(), unknown = new HashMap<>();
        for (int k : SHOTS) {
            List<Support> pool = new ArrayList<>(sameDomain);
            Collections.shuffle(pool, rnd);
            // Where too few planted people share the domain, the target's own supports fill in.
            for (int kk : new int[]{5, 2, 1}) {
                for (Support s : target.shots().knownDomain().getOrDefault(kk, List.of())) {
                    boolean usable = !controlEmails.contains(s.email().toLowerCase(Locale.ROOT))
                            && !s.email().equalsIgnoreCase(target.email()) && pool.stream().noneMatch(x -> x.email().equalsIgnoreCase(s.email()));
                    if (usable) pool.add(s);
                }
            }
            if (pool.isEmpty()) return null;   // no address at the domain but the target's: no k-shot settings
            // Too few distinct ones: repeat them, as the paper's own supports (drawn with replacement) do.
            List<Support> chosen = new ArrayList<>(pool.subList(0, Math.min(k, pool.size())));
            while (chosen.size() < k) chosen.add(pool.get(rnd.nextInt(pool.size())));
            known.put(k, List.copyOf(chosen));
            unknown.put(k, otherDomain(planted, domain, k, rnd));
        }
        return new Person.Shots(known, unknown);
    }

    /** {@code k} distinct planted people at domains other than {@code domain}. */
    private static List<Support> otherDomain(List<Person> planted, String domain, int k, Random rnd) {
        List<Support> out = new ArrayList<>();
        Set<Integer> used = new HashSet<>();
        for (int tries = 0; out.size() < k && tries < 100 * k; tries++) {
            int i = rnd.nextInt(planted.size());
            if (!domain(planted.get(i).email()).equals(domain) && used.add(i)) out.add(support(planted.get(i)));
        }
        if (out.size() < k) {
            throw new IllegalStateException("fewer than " + k + " planted people outside " + domain);
        }
        return out;
    }

    private static Support support(Person p) {
        return new Support(p.name(), p.email());
    }

    private static String domain(String email) {
        return email.substring(email.indexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    /**
     * Writes the data set as JSONL in the audit's format ({@link Datasets#writeJsonl}: with controls,
     * {@code "control"} on every line); owner-only, since it holds real people's addresses; whole or not at all.
     */
    public void write(Path file) {
        StringWriter out = new StringWriter();
        try {
            Datasets.writeJsonl(out, people);
        } catch (IOException e) {
            throw new UncheckedIOException(e);  // a StringWriter does not fail
        }
        OwnerOnlyFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
    }
}
