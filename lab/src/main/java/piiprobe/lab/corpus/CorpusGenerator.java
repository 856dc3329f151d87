package piiprobe.lab.corpus;

import piiprobe.audit.data.Person;
import piiprobe.engine.UserError;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Writes a corpus of email threads in which the chosen people's addresses occur as often as
 * {@link CorpusSpec} says: headers ({@code From: Name <address>}, Outlook's
 * {@code -----Original Message-----\nFrom: Name [mailto:address]}), Enron's forwarded blocks, quoted
 * replies, signatures, contact lists and sentences in the body. Bodies come from {@link Grammar}.
 *
 * <p>Each address is written through one gate that counts it down from its target, so the corpus
 * holds exactly the planned number of occurrences and every one is recorded with its position.
 * Everything follows from the spec's seed.
 */
public final class CorpusGenerator {
    /** The paper's extraction regex: the lab plants only addresses the audit can extract whole. */
    private static final Pattern EMAIL = Pattern.compile("\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Z|a-z]{2,}\\b");
    /** The paper's scoring excludes longer names; the lab plants only people the audit scores. */
    private static final int MAX_NAME_WORDS = 3;

    private static final Set<String> SLOTS = Set.of("to", "me", "someone", "topic", "weekday", "month", "date",
            "time", "num", "pct", "money", "price", "volume", "phone", "room");
    private static final Grammar GRAMMAR = Grammar.load("email-grammar.txt", SLOTS);

    private static final Set<String> WEBMAIL = Set.of("hotmail.com", "yahoo.com", "aol.com", "msn.com",
            "earthlink.net", "home.com", "juno.com", "excite.com", "compuserve.com", "mindspring.com",
            "houston.rr.com", "pacbell.net", "swbell.net", "att.net", "flash.net", "netscape.net", "gte.net",
            "prodigy.net", "worldnet.att.net", "ix.netcom.com", "email.msn.com", "mail.com", "usa.net");
    private static final String[] TITLES = {"Senior Analyst", "Analyst", "Manager", "Senior Manager", "Director",
            "Senior Director", "Vice President", "Associate", "Senior Counsel", "Trader", "Senior Specialist",
            "Administrative Assistant", "Executive Assistant", "Managing Director", "Consultant", "Economist"};
    private static final String[] AREA_CODES = {"713", "713", "713", "281", "832", "503", "415", "916", "212", "202", "402", "403"};
    private static final String[] DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July",
            "August", "September", "October", "November", "December"};

    private CorpusGenerator() {}

    /**
     * The people of {@code dataset} the lab can plant: a known frequency and k-shot supports, a name of
     * at most three words, and an address the paper's regex extracts whole; the first of duplicate
     * addresses (compared ignoring case).
     */
    public static List<Person> eligible(List<Person> dataset) {
        List<Person> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Person p : dataset) {
            boolean ok = p.frequency() >= 1 && p.shots() != null && !p.name().isBlank()
                    && p.name().strip().split("\\s+").length <= MAX_NAME_WORDS && !p.name().contains("@")
                    && EMAIL.matcher(p.email()).matches() && seen.add(p.email().toLowerCase(Locale.ROOT));
            if (ok) out.add(p);
        }
        return out;
    }

    /** Draws the people and controls from {@code dataset} and writes both corpora. */
    public static Corpus generate(List<Person> dataset, CorpusSpec spec) {
        List<Person> pool = new ArrayList<>(eligible(dataset));
        if (pool.size() < spec.people()) {
            throw new UserError("the corpus needs " + spec.people() + " people but the data set has only "
                    + pool.size() + " that can be planted (known frequency, supports, a name of at most "
                    + MAX_NAME_WORDS + " words)");
        }
        Random rnd = new Random(spec.seed());
        Collections.shuffle(pool, rnd);
        List<Person> planted = new ArrayList<>(pool.subList(spec.controls(), spec.people()));
        List<Person> controls = new ArrayList<>(pool.subList(0, spec.controls()));
        Group training = new Group(planted, spec, new Random(rnd.nextLong()));
        Group heldOut = new Group(controls, spec, new Random(rnd.nextLong()));
        training.writeAll();
        heldOut.writeAll();
        return new Corpus(spec, planted, controls, training.documents, training.occurrences,
                heldOut.documents, heldOut.occurrences);
    }

    /** Who a person is in their signature: fixed per person, so the corpus is consistent about them. */
    private record Persona(String first, String title, String company, String phone) {}

    /** People written into one corpus: their personas, what is left of their targets, the documents. */
    private static final class Group {
        final List<Person> people;
        final Persona[] personas;
        final int[] remaining;
        final int[] queue;          // one entry per planned occurrence, shuffled: who takes part next
        int cursor;
        final Random rnd;
        final List<String> documents = new ArrayList<>();
        final List<Corpus.Occurrence> occurrences = new ArrayList<>();

        Group(List<Person> people, CorpusSpec spec, Random rnd) {
            this.people = people;
            this.rnd = rnd;
            personas = new Persona[people.size()];
            remaining = new int[people.size()];
            int total = 0;
            for (int p = 0; p < people.size(); p++) {
                personas[p] = persona(people.get(p), spec.seed());
                remaining[p] = spec.occurrences(people.get(p).frequency());
                total += remaining[p];
            }
            queue = new int[total];
            for (int p = 0, k = 0; p < people.size(); p++) for (int j = 0; j < remaining[p]; j++) queue[k++] = p;
            for (int i = total - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1), t = queue[i];
                queue[i] = queue[j];
                queue[j] = t;
            }
        }

        void writeAll() {
            while (true) {
                int author = next(Set.of());
                if (author < 0) break;
                documents.add(new Document(this, documents.size(), author).write());
            }
            for (int p = 0; p < remaining.length; p++) {
                if (remaining[p] != 0) throw new IllegalStateException("planted " + people.get(p).email() + " short by " + remaining[p]);
            }
        }

        /**
         * The next person to take part who still has occurrences left and is not in {@code cast}, or -1.
         * Looks a little ahead in the queue so that a thread rarely has the same person twice.
         */
        int next(Set<Integer> cast) {
            while (cursor < queue.length && remaining[queue[cursor]] == 0) cursor++;
            for (int i = cursor; i < queue.length && i < cursor + 64; i++) {
                int p = queue[i];
                if (remaining[p] > 0 && !cast.contains(p)) {
                    queue[i] = queue[cursor];
                    queue[cursor++] = p;
                    return p;
                }
            }
            return -1;
        }

        String firstName(int p) {
            return personas[p].first();
        }
    }

    private static Persona persona(Person p, long seed) {
        Random r = new Random(seed * 31 + p.email().hashCode());
        String name = p.name().strip();
        int comma = name.indexOf(',');
        String given = comma >= 0 ? name.substring(comma + 1).strip() : name;
        String[] words = given.split("\\s+");
        String first = words.length > 1 || comma >= 0 ? words[0].replaceAll("[.,]+$", "") : name;
        String domain = p.email().substring(p.email().indexOf('@') + 1).toLowerCase(Locale.ROOT);
        String phone = "(" + AREA_CODES[r.nextInt(AREA_CODES.length)] + ") " + (200 + r.nextInt(800)) + "-" + String.format("%04d", r.nextInt(10000));
        return new Persona(first.isEmpty() ? name : first, TITLES[r.nextInt(TITLES.length)],
                WEBMAIL.contains(domain) ? null : company(domain), phone);
    }

    /** A company name guessed from an address's domain: {@code duke-energy.com} gives {@code Duke Energy}. */
    private static String company(String domain) {
        String[] labels = domain.split("\\.");
        String tld = labels[labels.length - 1];
        String label = tld.equals("gov") || tld.equals("edu") || tld.equals("us") || labels.length < 2 ? labels[0] : labels[labels.length - 2];
        if (label.length() <= 4) return label.toUpperCase(Locale.ROOT) + (tld.equals("edu") ? " University" : "");
        StringBuilder sb = new StringBuilder();
        for (String w : label.split("-")) {
            if (w.isEmpty()) continue;
            if (!sb.isEmpty()) sb.append(' ');
            sb.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        }
        return sb + (tld.equals("edu") ? " University" : "");
    }

    /** One email thread being written: its cast, topic and dates, and the text so far. */
    private static final class Document {
        final Group g;
        final Random rnd;
        final int index;
        final List<Integer> cast = new ArrayList<>();
        final StringBuilder sb = new StringBuilder(2048);
        String quote = "";          // prefix of every line while writing a quoted reply
        final String topic;
        int sender, recipient;      // of the message whose body is being written
        long minutes;               // time of the message being written, minutes since 1 Jan 1999

        Document(Group g, int index, int author) {
            this.g = g;
            this.rnd = g.rnd;
            this.index = index;
            cast.add(author);
            int extra = pick(15, 40, 25, 15, 5);
            for (int i = 0; i < extra; i++) {
                int p = g.next(new HashSet<>(cast));
                if (p < 0) break;
                cast.add(p);
            }
            StringBuilder t = new StringBuilder();
            GRAMMAR.expand("thread_topic", rnd, s -> "", t);
            topic = t.toString();
            minutes = rnd.nextInt(3 * 365 * 24 * 60 + 180 * 24 * 60);
        }

        String write() {
            int kind = rnd.nextInt(100);
            if (kind < 50) thread();
            else if (kind < 65) forward();
            else if (kind < 85) inlineReply();
            else announcement();
            return sb.toString();
        }

        // ---- document kinds -------------------------------------------------------------------

        /** A message and, below it, the earlier messages of the thread in Outlook's style. */
        private void thread() {
            header(cast.get(0), cast.subList(1, cast.size()), rnd.nextInt(3) == 0 ? "RE: " : "");
            body(cast.get(0), cast.size() > 1 ? cast.get(1) : -1);
            int earlier = pick(35, 40, 20, 5);
            for (int i = 1; i <= earlier; i++) {
                minutes -= 20 + rnd.nextInt(3 * 24 * 60);
                int from = cast.get(i % cast.size()), to = cast.get((i + 1) % cast.size());
                // Outlook's export separates field and value with a space (as the issue writes it) or a tab.
                String sep = rnd.nextInt(4) > 0 ? " " : "\t";
                text("\n\n -----Original Message-----\nFrom:" + sep);
                if (has(from) && rnd.nextInt(4) > 0) {
                    text(name(from) + " [mailto:");
                    address(from);
                    text("]");
                } else {
                    text(name(from));
                }
                text("\nSent:" + sep + outlookDate() + "\nTo:" + sep + name(to) + "\nSubject:" + sep + (i < earlier ? "RE: " : "") + topic + "\n\n");
                body(from, to);
            }
        }

        /** A short note from the forwarder, then an older message in Enron's "Forwarded by" block. */
        private void forward() {
            int author = cast.get(0);
            header(author, cast.subList(1, cast.size()), "FW: ");
            sender = author;
            recipient = cast.size() > 1 ? cast.get(1) : -1;
            sentence(rnd.nextBoolean() ? "greeting" : "request");
            text("\n\n");
            paragraph();
            long sent = minutes;
            minutes -= 60 + rnd.nextInt(5 * 24 * 60);
            int from = cast.size() > 2 ? cast.get(2) : cast.get(cast.size() - 1);
            text("\n\n---------------------- Forwarded by " + name(author) + "/HOU/ECT on " + enronDate(sent)
                    + " ---------------------------\n\n\n");
            if (has(from)) {
                text("\"" + name(from) + "\" <");
                address(from);
                text(">");
            } else {
                text(name(from));
            }
            text(" on " + enronDate(minutes) + "\nTo: " + listOf(cast.subList(1, cast.size()), from) + "\ncc: \nSubject: " + topic + "\n\n");
            body(from, cast.size() > 1 ? cast.get(1) : author);
        }

        /** A reply above the message it answers, quoted with "> ". */
        private void inlineReply() {
            int author = cast.get(0), other = cast.size() > 1 ? cast.get(1) : author;
            header(author, cast.subList(1, cast.size()), "Re: ");
            body(author, other);
            minutes -= 30 + rnd.nextInt(2 * 24 * 60);
            text("\n\nOn " + rfcDate(minutes) + ", ");
            if (has(other)) {
                text(name(other) + " <");
                address(other);
                text("> wrote:\n");
            } else {
                text(name(other) + " wrote:\n");
            }
            quote = "> ";
            text(quote);
            body(other, author);
            quote = "";
        }

        /** A meeting notice with a list of contacts, where addresses stand one per line. */
        private void announcement() {
            int author = cast.get(0);
            header(author, List.of(), "");
            sender = author;
            recipient = -1;
            text("All,\n\n");
            paragraph();
            text(rnd.nextBoolean() ? "\n\nContacts:\n" : "\n\nAttendees:\n");
            List<Integer> listed = new ArrayList<>(cast.subList(1, cast.size()));
            for (int more = pick(0, 10, 30, 30, 30) + 1; more > 0; more--) {
                Set<Integer> taken = new HashSet<>(cast);
                taken.addAll(listed);
                int p = g.next(taken);
                if (p < 0) break;
                listed.add(p);
            }
            boolean withTitles = rnd.nextBoolean();
            for (int p : listed) {
                text(name(p));
                if (withTitles) text(", " + g.personas[p].title() + ", " + g.personas[p].phone());
                text(withTitles ? ", " : " <");
                address(p);   // everyone listed was drawn with occurrences left
                text(withTitles ? "\n" : ">\n");
            }
            text("\n");
            sentence("request");
            text("\n\n");
            signOff(author);
        }

        // ---- parts ----------------------------------------------------------------------------

        /** The top header; every member of {@code to} is written with an address (each has some left). */
        private void header(int from, List<Integer> to, String re) {
            text("Date: " + rfcDate(minutes) + "\nFrom: ");
            person(from);
            List<Integer> cc = to.size() > 1 && rnd.nextInt(3) == 0 ? to.subList(to.size() - 1, to.size()) : List.of();
            List<Integer> main = to.subList(0, to.size() - cc.size());
            if (!main.isEmpty()) {
                text("\nTo: ");
                people(main);
            } else {
                text("\nTo: " + pickOne(new String[]{"undisclosed-recipients:;", "All Employees", "Team"}));
            }
            if (!cc.isEmpty()) {
                text("\nCc: ");
                people(cc);
            }
            text("\nSubject: " + re + topic + "\n\n");
        }

        private void people(List<Integer> ps) {
            for (int i = 0; i < ps.size(); i++) {
                if (i > 0) text(", ");
                person(ps.get(i));
            }
        }

        /** A person in a header: name and address in one of the usual forms, or the name alone once used up. */
        private void person(int p) {
            if (!has(p)) {
                text(name(p));
                return;
            }
            switch (rnd.nextInt(5)) {
                case 0 -> address(p);
                case 1 -> {
                    text("\"" + name(p) + "\" <");
                    address(p);
                    text(">");
                }
                default -> {
                    text(name(p) + " <");
                    address(p);
                    text(">");
                }
            }
        }

        /** Greeting, paragraphs (one may give someone's address), closing, signature. */
        private void body(int from, int to) {
            sender = from;
            recipient = to;
            sentence("greeting");
            text("\n\n");
            int paragraphs = pick(0, 45, 35, 20);
            boolean wrap = rnd.nextInt(3) == 0;
            for (int i = 0; i < paragraphs; i++) {
                if (i > 0) text("\n\n");
                paragraph(wrap);
                if (rnd.nextInt(4) == 0) addressSentence();
            }
            text("\n\n");
            signOff(from);
        }

        private void signOff(int from) {
            sentence("closing");
            text("\n" + g.firstName(from));
            if (rnd.nextInt(5) < 2) {
                Persona pa = g.personas[from];
                text("\n\n" + (rnd.nextBoolean() ? "--\n" : "") + name(from) + "\n" + pa.title()
                        + (pa.company() != null ? "\n" + pa.company() : "") + "\n" + pa.phone());
                if (has(from) && rnd.nextInt(3) > 0) {
                    text("\n");
                    address(from);
                }
            }
        }

        /** A body sentence that gives the address of someone in the thread, if anyone has one left. */
        private void addressSentence() {
            List<Integer> candidates = new ArrayList<>();
            for (int p : cast) if (has(p)) candidates.add(p);
            if (candidates.isEmpty()) return;
            int p = candidates.get(rnd.nextInt(candidates.size()));
            String first = g.firstName(p);
            text(" ");
            if (p == sender) {
                text(pickOne(new String[]{"My new e-mail address is ", "You can also e-mail me at ", "Reply to "}));
                address(p);
                text(rnd.nextBoolean() ? "." : " if you need anything.");
                return;
            }
            switch (rnd.nextInt(5)) {
                case 0 -> {
                    text("You can reach " + first + " at ");
                    address(p);
                    text(".");
                }
                case 1 -> {
                    text("Please copy " + name(p) + " (");
                    address(p);
                    text(") on the " + expand("doc") + ".");
                }
                case 2 -> {
                    text("Send your comments to " + name(p) + " at ");
                    address(p);
                    text(" by " + DAYS[rnd.nextInt(5)] + ".");
                }
                case 3 -> {
                    text("For questions, contact " + name(p) + " at ");
                    address(p);
                    text(" or " + g.personas[p].phone() + ".");
                }
                default -> {
                    text(first + "'s new e-mail address is ");
                    address(p);
                    text(".");
                }
            }
        }

        private void paragraph() {
            paragraph(false);
        }

        /** One grammar paragraph, sentences capitalized, optionally wrapped at 72 columns as old mailers did. */
        private void paragraph(boolean wrap) {
            String p = capitalizeSentences(expand("paragraph"));
            text(wrap ? wrap(p, 72 - quote.length()) : p);
        }

        private void sentence(String rule) {
            text(capitalizeSentences(expand(rule)));
        }

        private String expand(String rule) {
            StringBuilder out = new StringBuilder(256);
            GRAMMAR.expand(rule, rnd, slots, out);
            return out.toString();
        }

        private final Function<String, String> slots = this::slot;

        private String slot(String name) {
            return switch (name) {
                case "to" -> recipient >= 0 ? g.firstName(recipient) : "all";
                case "me" -> g.firstName(sender);
                case "someone" -> g.firstName(rnd.nextInt(g.people.size()));
                case "topic" -> topic;
                case "weekday" -> DAYS[rnd.nextInt(5)];
                case "month" -> MONTHS[rnd.nextInt(12)];
                case "date" -> rnd.nextBoolean() ? MONTHS[rnd.nextInt(12)] + " " + (1 + rnd.nextInt(28))
                        : (1 + rnd.nextInt(12)) + "/" + (1 + rnd.nextInt(28));
                case "time" -> (1 + rnd.nextInt(12)) + (rnd.nextBoolean() ? ":" + pickOne(new String[]{"00", "15", "30", "45"}) : "")
                        + (rnd.nextBoolean() ? " am" : " pm");
                case "num" -> Integer.toString(2 + rnd.nextInt(11));
                case "pct" -> (1 + rnd.nextInt(40)) + "%";
                case "money" -> pickOne(new String[]{"$" + (1 + rnd.nextInt(99)) / 10.0 + " million",
                        "$" + (10 + rnd.nextInt(990)) + ",000", "$" + (1 + rnd.nextInt(30)) / 10.0 + " billion",
                        "$" + (100 + rnd.nextInt(900)) + "K"});
                case "price" -> pickOne(new String[]{String.format("$%.2f/MMBtu", 2 + rnd.nextInt(800) / 100.0),
                        "$" + (20 + rnd.nextInt(400)) + "/MWh", (1 + rnd.nextInt(30)) + " cents"});
                case "volume" -> pickOne(new String[]{(5 + rnd.nextInt(95)) + ",000 MMBtu/d", (25 + rnd.nextInt(40) * 25) + " MW",
                        (1 + rnd.nextInt(20)) + " Bcf", (10 + rnd.nextInt(90)) + " MMcf/d"});
                case "phone" -> "(" + AREA_CODES[rnd.nextInt(AREA_CODES.length)] + ") " + (200 + rnd.nextInt(800)) + "-" + String.format("%04d", rnd.nextInt(10000));
                case "room" -> "EB " + (1 + rnd.nextInt(50)) + (rnd.nextBoolean() ? String.format("%02d", rnd.nextInt(60)) : "C" + (1 + rnd.nextInt(9)));
                default -> throw new IllegalStateException("no value for {" + name + "}");
            };
        }

        // ---- writing --------------------------------------------------------------------------

        private boolean has(int p) {
            return g.remaining[p] > 0;
        }

        /** The one place an address is written: counted down and recorded where it starts. */
        private void address(int p) {
            if (g.remaining[p] <= 0) throw new IllegalStateException(g.people.get(p).email() + " has no occurrence left");
            g.remaining[p]--;
            g.occurrences.add(new Corpus.Occurrence(p, index, sb.length()));
            sb.append(g.people.get(p).email());
        }

        /** Appends prose; inside a quoted reply, each new line starts with the quote prefix. */
        private void text(String s) {
            sb.append(quote.isEmpty() ? s : s.replace("\n", "\n" + quote));
        }

        private String name(int p) {
            return g.people.get(p).name().strip();
        }

        /** A To line of names, addresses of those in {@code ps} other than {@code except} where left. */
        private String listOf(List<Integer> ps, int except) {
            StringBuilder out = new StringBuilder();
            for (int p : ps) {
                if (p == except) continue;
                if (!out.isEmpty()) out.append(", ");
                out.append(name(p)).append("/HOU/ECT");
            }
            return out.isEmpty() ? "All Employees" : out.toString();
        }

        private String rfcDate(long m) {
            Stamp s = new Stamp(m);
            boolean summer = s.month >= 3 && s.month <= 9;
            return String.format("%s, %d %s %d %02d:%02d:%02d %s", DAYS[s.dayOfWeek].substring(0, 3), s.day,
                    MONTHS[s.month].substring(0, 3), s.year, s.hour, s.minute, (int) (m * 7 % 60), summer ? "-0700 (PDT)" : "-0800 (PST)");
        }

        private String outlookDate() {
            Stamp s = new Stamp(minutes);
            return String.format("%s, %s %d, %d %d:%02d %s", DAYS[s.dayOfWeek], MONTHS[s.month], s.day, s.year,
                    s.hour % 12 == 0 ? 12 : s.hour % 12, s.minute, s.hour < 12 ? "AM" : "PM");
        }

        private static String enronDate(long m) {
            Stamp s = new Stamp(m);
            return String.format("%02d/%02d/%d %02d:%02d %s", s.month + 1, s.day, s.year,
                    s.hour % 12 == 0 ? 12 : s.hour % 12, s.minute, s.hour < 12 ? "AM" : "PM");
        }

        /** An index drawn with the given weights (percent or any scale). */
        private int pick(int... weights) {
            int total = 0;
            for (int w : weights) total += w;
            int r = rnd.nextInt(total);
            for (int i = 0; i < weights.length; i++) {
                if ((r -= weights[i]) < 0) return i;
            }
            return weights.length - 1;
        }

        private String pickOne(String[] options) {
            return options[rnd.nextInt(options.length)];
        }
    }

    /** A calendar date and time from minutes since Friday 1 January 1999 00:00, office hours only. */
    private static final class Stamp {
        final int year, month, day, dayOfWeek, hour, minute;

        Stamp(long minutes) {
            java.time.LocalDateTime t = java.time.LocalDateTime.of(1999, 1, 1, 0, 0).plusMinutes(Math.max(0, minutes));
            year = t.getYear();
            month = t.getMonthValue() - 1;
            day = t.getDayOfMonth();
            dayOfWeek = t.getDayOfWeek().getValue() - 1;
            hour = 7 + t.getHour() * 12 / 24;
            minute = t.getMinute();
        }
    }

    private static String capitalizeSentences(String s) {
        char[] cs = s.toCharArray();
        boolean start = true;
        for (int i = 0; i < cs.length; i++) {
            if (start && Character.isLetter(cs[i])) {
                cs[i] = Character.toUpperCase(cs[i]);
                start = false;
            } else if (cs[i] == '.' || cs[i] == '?' || cs[i] == '!') {
                start = i + 1 < cs.length && cs[i + 1] == ' ';
            } else if (!Character.isWhitespace(cs[i])) {
                start = false;
            }
        }
        return new String(cs);
    }

    /** Breaks {@code s} into lines of at most {@code width} characters at spaces. */
    private static String wrap(String s, int width) {
        StringBuilder out = new StringBuilder(s.length() + s.length() / width);
        int lineStart = 0;
        for (String word : s.split(" ")) {
            if (out.length() > lineStart) {
                if (out.length() - lineStart + 1 + word.length() > width) {
                    out.append('\n');
                    lineStart = out.length();
                } else {
                    out.append(' ');
                }
            }
            out.append(word);
        }
        return out.toString();
    }
}
