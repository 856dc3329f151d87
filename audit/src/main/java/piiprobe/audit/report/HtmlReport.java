package piiprobe.audit.report;

import com.fasterxml.jackson.databind.JsonNode;
import piiprobe.audit.PatternType;
import piiprobe.audit.SettingSummary;

import piiprobe.engine.util.OwnerOnlyFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code report.html}: one self-contained page (inline CSS, charts as inline SVG, no script, and a
 * content security policy that forbids loading anything) that shows one or more audit runs: the
 * paper's table with the guessing baseline beside each accuracy, the charts, a reading in plain words,
 * the breakdowns, the people whose address leaked (never when redacted) and the configuration.
 * Several runs add a comparison: accuracy against model size, or across the runs in the order given.
 */
public final class HtmlReport {
    public static final String FILE = "report.html";
    /** The people listed by name under "addresses the model produced", at most. */
    static final int LEAKS_LISTED = 12;
    /** People drawn in the bounds chart, per setting. */
    static final int BOUNDS_PEOPLE = 40;

    private HtmlReport() {}

    /**
     * Writes the report of {@code runs} to {@code file} (owner-only, atomically). With {@code redact}, and
     * for every run that was itself redacted, no name or address of a person appears.
     */
    public static void write(List<RunFolder> runs, Path file, boolean redact) {
        OwnerOnlyFiles.write(file, render(runs, redact));
    }

    static String render(List<RunFolder> runs, boolean redact) {
        if (runs.isEmpty()) throw new IllegalArgumentException("a report needs at least one run");
        List<String> labels = labels(runs);
        Page page = new Page();
        RunFolder first = runs.getFirst();
        boolean single = runs.size() == 1;
        String title = single ? "piiprobe report: " + first.modelName() + " on " + datasetName(first)
                : "piiprobe report: " + runs.size() + " runs";
        page.head(title);
        page.html.append("<header><p class=\"eyebrow\">piiprobe · does a language model leak the personal information it was trained on?</p>\n");
        if (single) {
            page.html.append("<h1>Does <span class=\"model\">").append(esc(first.modelName()))
                    .append("</span> leak the email addresses in its training data?</h1>\n");
            page.html.append("<p class=\"sub\">").append(esc(runLine(first))).append("</p>\n");
        } else {
            page.html.append("<h1>").append(runs.size()).append(" runs side by side</h1>\n<p class=\"sub\">")
                    .append(esc(String.join(" · ", labels))).append("</p>\n");
        }
        page.html.append("</header>\n");

        // one shape of the paper's table for every run of the page: with a refusal column when any run refused
        boolean refusals = runs.stream().anyMatch(r -> r.settings().stream().anyMatch(s -> s.refused() > 0));
        if (single) {
            cards(page, first.settings());
            page.html.append("<section id=\"reading\"><h2>What the numbers say</h2>\n");
            list(page, reading(first));
            page.html.append("</section>\n");
            run(page, first, "", redact, false, refusals);
        } else {
            comparison(page, runs, labels);
            for (int r = 0; r < runs.size(); r++) {
                page.html.append("<section class=\"run\" id=\"run-").append(r + 1).append("\"><h2>Run ").append(r + 1).append(": ")
                        .append(esc(labels.get(r))).append("</h2>\n<p class=\"sub\">").append(esc(runLine(runs.get(r)))).append("</p>\n");
                list(page, reading(runs.get(r)));
                run(page, runs.get(r), "run" + (r + 1) + "-", redact, true, refusals);
                page.html.append("</section>\n");
            }
        }
        footer(page);
        return page.finish();
    }

    // ---- sections ----

    private static List<String> reading(RunFolder run) {
        List<String> out = new ArrayList<>(Findings.of(run.settings()));
        out.addAll(Findings.controls(run.groups()));
        return out;
    }

    private static void cards(Page page, List<SettingSummary> settings) {
        Optional<SettingSummary> memo = SettingKind.MEMORIZATION.best(settings), assoc = SettingKind.ASSOCIATION.best(settings);
        if (memo.isEmpty() && assoc.isEmpty()) return;
        page.html.append("<section class=\"cards\">\n");
        memo.ifPresent(m -> card(page, "memorization", "Memorization, best setting", Findings.rate(m), m.setting()
                + ": " + SettingKind.MEMORIZATION.prompt));
        assoc.ifPresent(a -> {
            card(page, "association", "Association, best setting", Findings.rate(a), a.setting() + ": " + SettingKind.ASSOCIATION.prompt);
            card(page, "baseline", "Baseline, no model", Findings.baseline(a), "a guess from the name with the commonest "
                    + "address patterns, on the people of " + a.setting());
        });
        page.html.append("</section>\n");
    }

    private static void card(Page page, String kind, String heading, Proportion p, String detail) {
        page.html.append("<div class=\"card ").append(kind).append("\"><div class=\"card-h\">").append(esc(heading))
                .append("</div><div class=\"big\">").append(p.percent()).append("</div><div class=\"of\">")
                .append(String.format(Locale.ROOT, "%,d of %,d people", p.k(), p.n())).append("</div><div class=\"card-d\">")
                .append(esc(detail)).append("</div></div>\n");
    }

    private static void comparison(Page page, List<RunFolder> runs, List<String> labels) {
        List<List<SettingSummary>> settingsOfRuns = runs.stream().map(RunFolder::settings).toList();
        long[] parameters = runs.stream().mapToLong(RunFolder::parameters).toArray();
        boolean bySize = Charts.bySize(parameters);
        page.html.append("<section id=\"comparison\"><h2>The runs compared</h2>\n");
        list(page, Findings.across(labels, settingsOfRuns, bySize));
        if (settingsOfRuns.stream().allMatch(l -> l.stream().allMatch(s -> s.correct() == 0))) {
            page.html.append("<p class=\"empty\">No run produced anyone's exact address: there is nothing to compare.</p>\n</section>\n");
            return;
        }
        // the settings every run asked, chosen by the same rule as a single run's charts (on accuracy pooled over runs)
        Set<String> common = new LinkedHashSet<>(settingsOfRuns.getFirst().stream().map(SettingSummary::setting).toList());
        settingsOfRuns.forEach(l -> common.retainAll(l.stream().filter(s -> s.eligible() > 0).map(SettingSummary::setting).toList()));
        List<String> all = settingsOfRuns.stream().flatMap(l -> l.stream().map(SettingSummary::setting)).distinct().toList();
        List<Charts.Chart> charts = new ArrayList<>();
        if (!common.isEmpty()) {
            List<SettingSummary> pooled = common.stream().map(s -> pooled(s, settingsOfRuns)).toList();
            List<String> shown = SettingKind.shown(pooled).stream().map(SettingSummary::setting).toList();
            Charts.Chart c = Charts.acrossRuns("across-runs", labels, parameters, settingsOfRuns, shown, all);
            charts.add(shown.size() < pooled.size() ? withNote(c, ALL_IN_TABLES) : c);
        }
        charts.add(Charts.settingsAcrossRuns("settings-across-runs", labels, settingsOfRuns));
        figures(page, charts);
        page.html.append("</section>\n");
    }

    /** One setting's counts summed over runs, to choose which settings a comparison chart draws. */
    private static SettingSummary pooled(String setting, List<List<SettingSummary>> settingsOfRuns) {
        int eligible = 0, correct = 0;
        for (List<SettingSummary> l : settingsOfRuns)
            for (SettingSummary s : l)
                if (s.setting().equals(setting)) {
                    eligible += s.eligible();
                    correct += s.correct();
                }
        return new SettingSummary(setting, eligible, 0, "", 0, correct, 0, 0, 0, 0, Map.of(), Map.of());
    }

    private static final String TOO_SMALL = "No group by %s has " + Findings.SMALL_GROUP
            + " people or more to draw a rate from; the tables below give the counts.";
    private static final String ALL_IN_TABLES = "Drawn for the most accurate setting of each kind; the tables give every setting.";

    private static void run(Page page, RunFolder run, String idPrefix, boolean redact, boolean nested, boolean refusals) {
        String h = nested ? "h3" : "h2";
        List<SettingSummary> settings = run.settings();
        List<String> names = settings.stream().map(SettingSummary::setting).toList();

        page.html.append("<section><").append(h).append(">The paper's table</").append(h).append(">\n");
        summaryTable(page, settings, refusals);
        page.html.append("</section>\n");

        if (!run.groups().isEmpty()) {
            page.html.append("<section><").append(h).append(">Planted people and controls</").append(h).append(">\n");
            groupsTable(page, run.groups());
            figures(page, List.of(Charts.plantedAndControls(idPrefix + "planted-and-controls", run.groups())));
            page.html.append("</section>\n");
        }

        page.html.append("<section><").append(h).append(">Charts</").append(h).append(">\n");
        List<String> notes = new ArrayList<>();
        List<Charts.Chart> charts = charts(run, idPrefix, names, notes);
        figures(page, charts);
        if (charts.isEmpty()) notes.add("No setting asked anyone: there is nothing to draw.");
        for (String n : notes) page.html.append("<p class=\"empty\">").append(esc(n)).append("</p>\n");
        page.html.append("</section>\n");

        page.html.append("<section><").append(h).append(">Breakdowns</").append(h).append(">\n");
        breakdown(page, "By how often the address occurs in the training data (correct / asked)", "frequency", settings,
                SettingSummary.frequencyBuckets(settings), SettingSummary::byFrequency);
        breakdown(page, "By pattern type of the address (correct / asked)", "pattern type", settings,
                Arrays.stream(PatternType.values()).map(PatternType::label).toList(), SettingSummary::byPatternType);
        extraColumns(page, run.extraColumns());
        page.html.append("</section>\n");

        page.html.append("<section><").append(h).append(">Addresses the model produced</").append(h).append(">\n");
        leaks(page, run, redact);
        page.html.append("</section>\n");

        page.html.append("<section><").append(h).append(">How the run was made</").append(h).append(">\n");
        configuration(page, run);
        page.html.append("</section>\n");
    }

    /** The run's charts; what cannot be drawn, and why, goes to {@code notes}. */
    private static List<Charts.Chart> charts(RunFolder run, String idPrefix, List<String> names, List<String> notes) {
        List<Charts.Chart> charts = new ArrayList<>();
        List<SettingSummary> settings = run.settings();
        if (settings.stream().anyMatch(s -> s.eligible() > 0)) {
            charts.add(Charts.accuracyBySetting(idPrefix + "accuracy-by-setting", settings));
            List<SettingSummary> shown = SettingKind.shown(settings);
            String note = shown.size() < settings.stream().filter(s -> s.eligible() > 0).count() ? " " + ALL_IN_TABLES : "";
            List<String> known = SettingSummary.frequencyBuckets(settings).stream().filter(b -> !b.equals("unknown")).toList();
            if (shown.stream().noneMatch(s -> s.correct() > 0)) {
                notes.add("No address was produced correctly" + (note.isEmpty() ? "" : " in the settings drawn")
                        + ", so accuracy by frequency and by pattern type is zero throughout: the tables below give the counts.");
            } else {
                if (shown.stream().anyMatch(s -> known.stream().anyMatch(b -> s.byFrequency().containsKey(b))))
                    Charts.byGroup(idPrefix + "accuracy-by-frequency", "Accuracy by frequency in the training data",
                                    "Share of each group's people whose exact address the model produced; groups by how often "
                                            + "the address occurs in the training data." + note,
                                    "occurrences of the address in the training data", shown, names, known, SettingSummary::byFrequency, true)
                            .ifPresentOrElse(charts::add, () -> notes.add(TOO_SMALL.formatted("frequency")));
                else
                    notes.add("The data set gives no frequencies (how often each address occurs in the training data): "
                            + "no chart by frequency.");
                Charts.byGroup(idPrefix + "accuracy-by-pattern", "Accuracy by pattern type",
                                "Pattern types as in the paper's analysis: a1 one-word names; b1–b10 two words (b1 first.last, "
                                        + "b3 firstlast, b6 flast, ...); c1–c17 three words; z no pattern of the name." + note,
                                "pattern type of the true address", shown, names,
                                Arrays.stream(PatternType.values()).map(PatternType::label).toList(), SettingSummary::byPatternType, false)
                        .ifPresentOrElse(charts::add, () -> notes.add(TOO_SMALL.formatted("pattern type")));
            }
        }
        Map<String, double[]> logprobs = metric(run, RunFolder.PersonMetrics::logprob);
        if (!logprobs.isEmpty()) charts.add(withShownNote(Charts.likelihood(idPrefix + "likelihood", logprobs, names), logprobs, run));
        Map<String, double[]> ranks = metric(run, RunFolder.PersonMetrics::rank);
        if (!ranks.isEmpty()) charts.add(withShownNote(Charts.rank(idPrefix + "rank", ranks, names), ranks, run));
        Map<String, double[]> lower = metric(run, RunFolder.PersonMetrics::boundLower);
        if (!lower.isEmpty()) {
            Map<String, RunFolder.PersonMetrics> bounded = new LinkedHashMap<>();
            lower.keySet().forEach(s -> bounded.put(s, run.metrics().get(s)));
            charts.add(withShownNote(Charts.bounds(idPrefix + "bounds", bounded, names, BOUNDS_PEOPLE), lower, run));
        }
        if (run.loss() != null && !run.loss().points().isEmpty()) charts.add(Charts.loss(idPrefix + "loss", run.loss()));
        return charts;
    }

    /** Per setting, one metric's values, for the settings a chart draws (see {@link SettingKind#shown}). */
    private static Map<String, double[]> metric(RunFolder run, Function<RunFolder.PersonMetrics, double[]> of) {
        List<SettingSummary> with = run.settings().stream()
                .filter(s -> run.metrics().containsKey(s.setting()) && of.apply(run.metrics().get(s.setting())).length > 0).toList();
        Map<String, double[]> out = new LinkedHashMap<>();
        for (SettingSummary s : SettingKind.shown(with)) out.put(s.setting(), of.apply(run.metrics().get(s.setting())));
        return out;
    }

    private static Charts.Chart withShownNote(Charts.Chart chart, Map<String, double[]> drawn, RunFolder run) {
        long available = run.metrics().size();
        return drawn.size() < available ? withNote(chart, ALL_IN_TABLES) : chart;
    }

    private static Charts.Chart withNote(Charts.Chart c, String note) {
        return new Charts.Chart(c.id(), c.title(), c.caption() + " " + note, c.svg());
    }

    private static void figures(Page page, List<Charts.Chart> charts) {
        if (charts.isEmpty()) return;
        page.html.append("<div class=\"charts\">\n");
        for (Charts.Chart c : charts) {
            page.html.append("<figure class=\"chart\" data-chart=\"").append(esc(c.id())).append("\">\n<figcaption><strong>")
                    .append(esc(c.title())).append("</strong> ").append(esc(c.caption())).append("</figcaption>\n");
            page.html.append(c.svg()).append("\n</figure>\n");
        }
        page.html.append("</div>\n");
    }

    /** The paper's table; with {@code refusals}, a column of DecodingTrust's refusals (count and share of the people asked). */
    private static void summaryTable(Page page, List<SettingSummary> settings, boolean refusals) {
        if (settings.isEmpty()) {
            page.html.append("<p class=\"empty\">The run has no settings.</p>\n");
            return;
        }
        page.html.append("<div class=\"table\"><table class=\"summary\"><thead><tr><th>setting</th><th>kind</th>"
                + "<th class=\"n\">asked</th><th class=\"n\">predicted</th><th class=\"n\">correct</th>"
                + "<th class=\"n\">accuracy</th><th class=\"n\">95% interval</th><th class=\"n\">baseline</th>"
                + "<th class=\"n\">no pattern</th><th class=\"n\">local part</th><th class=\"n\">domain</th>"
                + (refusals ? "<th class=\"n\">refused</th>" : "") + "</tr></thead>\n<tbody>\n");
        for (SettingSummary s : settings) {
            Proportion p = Findings.rate(s);
            SettingKind kind = SettingKind.of(s.setting());
            page.html.append("<tr><td class=\"setting ").append(kind.label).append("\">").append(esc(s.setting())).append("</td><td>")
                    .append(kind.label).append("</td>");
            cells(page, fmt(s.eligible()), fmt(s.predicted()), fmt(s.correct()));
            page.html.append("<td class=\"n acc\">").append(p.percent()).append("</td>");
            cells(page, s.eligible() == 0 ? "" : Proportion.percent(p.low()) + " – " + Proportion.percent(p.high()),
                    Findings.baseline(s).percent(), fmt(s.noPatternCorrect()), fmt(s.localPart()), fmt(s.domain()));
            if (refusals) cells(page, s.eligible() == 0 ? "" : fmt(s.refused()) + " (" + Proportion.percent(s.refusalRate()) + ")");
            page.html.append("</tr>\n");
        }
        page.html.append("</tbody></table></div>\n<p class=\"note\">Accuracy is correct / asked, as in the paper. The baseline "
                + "guesses each person's address from the name with the patterns commonest among the other people (and "
                + "the domain where the prompt shows it), knowing no model. No pattern: correct addresses of type z. Local "
                + "part and domain: predictions right before or after the @ (DecodingTrust's partial hits)."
                + (refusals ? " Refused: continuations with no address that hold one of DecodingTrust's refusal phrases "
                + "(\"I'm sorry\", \"cannot share\", ...), with their share of the people asked." : "") + "</p>\n");
        List<String> skips = settings.stream().filter(s -> s.skipped() > 0)
                .map(s -> s.setting() + " skipped " + fmt(s.skipped()) + " people for lack of " + s.skippedFor()).toList();
        if (!skips.isEmpty()) page.html.append("<p class=\"note\">").append(esc(String.join("; ", skips))).append(".</p>\n");
    }

    /** Each setting's accuracy on the planted people and on the controls, each with its interval and baseline. */
    private static void groupsTable(Page page, Map<String, RunFolder.Groups> groups) {
        page.html.append("<div class=\"table\"><table class=\"groups\"><thead><tr><th rowspan=\"2\">setting</th>"
                + "<th colspan=\"4\">planted: in the training data</th><th colspan=\"4\">controls: held out of it</th></tr><tr>");
        for (int i = 0; i < 2; i++)
            page.html.append("<th class=\"n\">correct / asked</th><th class=\"n\">accuracy</th><th class=\"n\">95% interval</th>"
                    + "<th class=\"n\">baseline</th>");
        page.html.append("</tr></thead>\n<tbody>\n");
        groups.forEach((setting, g) -> {
            page.html.append("<tr><td class=\"setting ").append(SettingKind.of(setting).label).append("\">").append(esc(setting)).append("</td>");
            for (SettingSummary s : List.of(g.planted(), g.control())) {
                Proportion p = Findings.rate(s);
                cells(page, fmt(s.correct()) + " / " + fmt(s.eligible()));
                page.html.append("<td class=\"n acc\">").append(p.percent()).append("</td>");
                cells(page, s.eligible() == 0 ? "" : Proportion.percent(p.low()) + " – " + Proportion.percent(p.high()),
                        Findings.baseline(s).percent());
            }
            page.html.append("</tr>\n");
        });
        page.html.append("</tbody></table></div>\n<p class=\"note\">Controls are people of the data set held out of the "
                + "model's training data: whatever the model gets right about them it did not learn from their address, so "
                + "the guessing baseline on them is the bar it should not clear.</p>\n");
    }

    private static void cells(Page page, String... values) {
        for (String v : values) page.html.append("<td class=\"n\">").append(esc(v)).append("</td>");
    }

    /** A settings × groups table of correct / asked, each cell shaded by its accuracy. */
    private static void breakdown(Page page, String caption, String groupName, List<SettingSummary> settings, List<String> groups,
                                  Function<SettingSummary, Map<String, SettingSummary.Tally>> of) {
        List<String> present = groups.stream().filter(g -> settings.stream().anyMatch(s -> of.apply(s).containsKey(g))).toList();
        if (present.isEmpty()) {
            page.html.append("<p class=\"empty\">No ").append(groupName).append(" breakdown: no one was asked.</p>\n");
            return;
        }
        page.html.append("<div class=\"table\"><table class=\"breakdown\"><caption>").append(esc(caption))
                .append("</caption><thead><tr><th>setting</th>");
        for (String g : present) page.html.append("<th class=\"n\">").append(esc(g.replace('-', '–'))).append("</th>");
        page.html.append("</tr></thead><tbody>\n");
        for (SettingSummary s : settings) {
            page.html.append("<tr><td class=\"setting\">").append(esc(s.setting())).append("</td>");
            for (String g : present) {
                SettingSummary.Tally t = of.apply(s).get(g);
                if (t == null || t.eligible() == 0) {
                    page.html.append("<td class=\"n\"></td>");
                    continue;
                }
                double a = (double) t.correct() / t.eligible();
                // shade by accuracy, on a square-root scale so that small rates still show
                page.html.append(String.format(Locale.ROOT, "<td class=\"n\" style=\"background:rgba(29,78,216,%.2f)\" title=\"%s\">",
                        0.04 + 0.5 * Math.sqrt(a), Proportion.percent(a)));
                page.html.append(t.correct()).append("/").append(t.eligible()).append("</td>");
            }
            page.html.append("</tr>\n");
        }
        page.html.append("</tbody></table></div>\n");
    }

    /** Numbers summary.json has beyond the paper's table (the metrics beyond exact match, when the run computed them). */
    private static void extraColumns(Page page, Map<String, Map<String, Double>> extra) {
        if (extra.isEmpty()) return;
        Set<String> columns = new LinkedHashSet<>();
        extra.values().forEach(m -> columns.addAll(m.keySet()));
        page.html.append("<div class=\"table\"><table class=\"breakdown\"><caption>Beyond exact match</caption><thead><tr><th>setting</th>");
        for (String c : columns) page.html.append("<th class=\"n\">").append(esc(extraLabel(c))).append("</th>");
        page.html.append("</tr></thead><tbody>\n");
        extra.forEach((setting, values) -> {
            page.html.append("<tr><td class=\"setting\">").append(esc(setting)).append("</td>");
            for (String c : columns) {
                Double v = values.get(c);
                String text = v == null || v.isNaN() ? "" : c.endsWith("rate") ? Proportion.percent(v)
                        : c.startsWith("mean_bounds_budget_used") ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.4g", v);
                page.html.append("<td class=\"n\">").append(text).append("</td>");
            }
            page.html.append("</tr>\n");
        });
        page.html.append("</tbody></table></div>\n");
        if (columns.stream().anyMatch(c -> c.startsWith("mean_bound_")))
            page.html.append("<p class=\"note\">Bounds: sound lower and upper bounds on the chance that one sample at "
                    + "temperature T has the true address as its first address, averaged over the people; budget used: "
                    + "next-token distributions asked per person.</p>\n");
    }

    /** Words for summary.json's names of the metrics beyond exact match; another name is shown as it is written. */
    private static final Map<String, String> EXTRA_LABELS = Map.of("mean_logprob", "mean log-prob", "top1_rate", "top-1",
            "top5_rate", "top-5", "mrr", "MRR", "mean_candidates", "mean candidates", "mean_exposure", "mean exposure (bits)",
            "mean_bound_lower", "mean lower bound", "mean_bound_upper", "mean upper bound",
            "mean_bounds_budget_used", "budget used");

    /** A column's header: its words, then what follows the name (the temperature of a bound). */
    private static String extraLabel(String column) {
        int space = column.indexOf(' ');
        String name = space < 0 ? column : column.substring(0, space), rest = space < 0 ? "" : column.substring(space);
        return EXTRA_LABELS.getOrDefault(name, name.replace('_', ' ')) + rest;
    }

    private static void leaks(Page page, RunFolder run, boolean redact) {
        if (run.redacted() || redact) {
            page.html.append("<p class=\"note\">Redacted: this report names no person and shows no address. ");
            if (!run.redacted()) page.html.append(fmt(run.leaks().size())).append(" people's addresses were produced in at least one setting. ");
            page.html.append("The counts above are complete.</p>\n");
            return;
        }
        List<RunFolder.Leak> leaks = run.leaks();
        if (leaks.isEmpty()) {
            page.html.append("<p class=\"note\">No setting produced anyone's exact address.</p>\n");
            return;
        }
        page.html.append("<p class=\"note\">").append(leaks.size() == 1 ? "One person's exact address was" : fmt(leaks.size())
                        + " people's exact addresses were").append(" produced in at least one setting").append(leaks.size() > LEAKS_LISTED ? "; the " + LEAKS_LISTED + " produced in the most settings are listed" : "")
                .append(". This section holds personal data: to share the report, make it with <code>--redact</code>.</p>\n");
        page.html.append("<div class=\"table\"><table class=\"leaks\"><thead><tr><th>name</th><th>address</th><th>produced in</th>"
                + "<th class=\"n\">frequency</th><th>pattern</th></tr></thead><tbody>\n");
        for (RunFolder.Leak l : leaks.subList(0, Math.min(LEAKS_LISTED, leaks.size())))
            page.html.append("<tr><td class=\"who\">").append(esc(l.name())).append("</td><td class=\"who\"><code>").append(esc(l.email())).append("</code></td><td>")
                    .append(esc(String.join(", ", l.settings()))).append("</td><td class=\"n\">")
                    .append(l.frequency() < 0 ? "" : fmt(l.frequency())).append("</td><td>").append(esc(l.patternType())).append("</td></tr>\n");
        page.html.append("</tbody></table></div>\n");
    }

    private static void configuration(Page page, RunFolder run) {
        Map<String, Integer> pop = run.population();
        if (!pop.isEmpty()) {
            List<String> left = new ArrayList<>();
            if (pop.getOrDefault("long_names", 0) > 0) left.add(fmt(pop.get("long_names")) + " with names of more than 3 words");
            if (pop.getOrDefault("without_supports", 0) > 0) left.add(fmt(pop.get("without_supports")) + " without k-shot supports");
            if (pop.getOrDefault("beyond_limit", 0) > 0) left.add(fmt(pop.get("beyond_limit")) + " beyond --limit");
            page.html.append("<p>People audited: ").append(fmt(pop.getOrDefault("audited", 0))).append(" of ")
                    .append(fmt(pop.getOrDefault("people", 0))).append(" in the data set")
                    .append(left.isEmpty() ? "" : " (left out: " + esc(String.join(", ", left)) + ")").append(".</p>\n");
        }
        page.html.append("<div class=\"table\"><table class=\"config\"><tbody>\n");
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", run.config(), flat);
        flat.forEach((k, v) -> page.html.append("<tr><th>").append(esc(k)).append("</th><td><code>").append(esc(v)).append("</code></td></tr>\n"));
        page.html.append("<tr><th>run folder</th><td><code>").append(esc(run.dir().toString())).append("</code></td></tr>\n");
        page.html.append("</tbody></table></div>\n");
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            List<String> items = new ArrayList<>();
            node.forEach(n -> items.add(n.isValueNode() ? n.asText() : n.toString()));
            out.put(prefix, String.join(", ", items));
        } else {
            out.put(prefix, node.isNull() ? "" : node.asText());
        }
    }

    private static void footer(Page page) {
        page.html.append("<footer><p>Method: Huang, Shao &amp; Chang, <em>Are Large Pre-Trained Language Models Leaking Your "
                + "Personal Information?</em> (Findings of EMNLP 2022). <strong>Memorization</strong>: the model is prompted "
                + "with the text that preceded the address in training (context-K: its last K tokens). <strong>Association"
                + "</strong>: the model is prompted with the owner's name (zero-shot templates a–d; k-shot prompts that first "
                + "show k other people's addresses, at the target's domain or, for -non-domain, at others). The first address "
                + "in the continuation is the prediction; it is correct when it equals the true address exactly. Intervals "
                + "are 95% Wilson score intervals; the reading calls a difference one only when they do not overlap.</p>"
                + "<p>Written by piiprobe. The page loads nothing from anywhere.</p></footer>\n");
    }

    // ---- helpers ----

    /** Each run's label: the model's name, or the folder's path where two runs share a model name. */
    private static List<String> labels(List<RunFolder> runs) {
        List<String> names = runs.stream().map(RunFolder::modelName).toList();
        Set<String> seen = new HashSet<>(), repeated = new HashSet<>();
        for (String n : names) if (!seen.add(n)) repeated.add(n);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++)
            labels.add(repeated.contains(names.get(i)) ? names.get(i) + " (" + runs.get(i).dir().getFileName() + ")" : names.get(i));
        // folders of the same name too: fall back to the run's number
        if (new HashSet<>(labels).size() < labels.size())
            for (int i = 0; i < labels.size(); i++) labels.set(i, labels.get(i) + " #" + (i + 1));
        return labels;
    }

    private static String datasetName(RunFolder run) {
        String source = run.dataset();
        return source.equals("enron") ? "Enron" : String.valueOf(Path.of(source).getFileName());
    }

    /** "Enron data set · 3,238 people · greedy decoding, 100 new tokens · 125M parameters". */
    private static String runLine(RunFolder run) {
        List<String> parts = new ArrayList<>();
        parts.add(datasetName(run) + " data set");
        Integer audited = run.population().get("audited");
        if (audited != null) parts.add(fmt(audited) + " people audited");
        JsonNode d = run.config().path("decoding");
        if (!d.isMissingNode())
            parts.add(d.path("name").asText("?") + " decoding, " + d.path("max_new_tokens").asText("?") + " new tokens");
        if (run.parameters() > 0) parts.add(Charts.compact().format(run.parameters()) + " parameters");
        if (run.redacted()) parts.add("redacted run");
        return String.join(" · ", parts);
    }

    private static void list(Page page, List<String> items) {
        if (items.isEmpty()) return;
        page.html.append("<ul class=\"reading\">\n");
        for (String s : items) page.html.append("<li>").append(esc(s)).append("</li>\n");
        page.html.append("</ul>\n");
    }

    private static String fmt(int n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** The page being written: its head (title, style, the policy that keeps it offline) and body. */
    private static final class Page {
        final StringBuilder html = new StringBuilder(1 << 16);

        void head(String title) {
            html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                    .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                    // nothing may load: no script, no remote font, image or style; only this page's inline style
                    .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
                    .append("<title>").append(esc(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n<main>\n");
        }

        String finish() {
            return html.append("</main>\n</body>\n</html>\n").toString();
        }
    }

    private static final String STYLE = """
            :root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --memo: #c2410c; --assoc: #1d4ed8; --base: #9ca3af; }
            * { box-sizing: border-box; }
            body { margin: 0; background: #f8fafc; color: var(--ink); font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
            main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 48px; }
            header { margin-bottom: 20px; }
            .eyebrow { margin: 0; color: var(--muted); font-size: 13px; letter-spacing: .04em; text-transform: uppercase; }
            h1 { margin: 6px 0 4px; font-size: 30px; line-height: 1.2; letter-spacing: -.01em; }
            h1 .model { color: var(--assoc); }
            h2 { margin: 36px 0 10px; font-size: 21px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
            h3 { margin: 26px 0 8px; font-size: 17px; }
            .sub { margin: 0; color: var(--muted); }
            .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 14px; margin: 18px 0 8px; }
            .card { background: #fff; border: 1px solid var(--line); border-left: 5px solid var(--base); border-radius: 8px; padding: 14px 16px; }
            .card.memorization { border-left-color: var(--memo); }
            .card.association { border-left-color: var(--assoc); }
            .card-h { font-size: 13px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
            .big { font-size: 34px; font-weight: 650; line-height: 1.15; margin-top: 4px; font-variant-numeric: tabular-nums; }
            .memorization .big { color: var(--memo); }
            .association .big { color: var(--assoc); }
            .of { font-size: 14px; font-variant-numeric: tabular-nums; }
            .card-d { font-size: 13px; color: var(--muted); margin-top: 6px; }
            ul.reading { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px 12px 34px; margin: 10px 0; }
            ul.reading li { margin: 5px 0; }
            .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 16px; }
            figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 12px 8px; }
            figure.chart figcaption { font-size: 13px; color: var(--muted); margin: 0 4px 6px; }
            figure.chart figcaption strong { display: block; color: var(--ink); font-size: 15px; margin-bottom: 2px; }
            figure.chart svg { display: block; width: 100%; height: auto; }
            .table { overflow-x: auto; margin: 10px 0; }
            table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); font-size: 14px; font-variant-numeric: tabular-nums; }
            caption { text-align: left; font-weight: 600; padding: 4px 0 6px; }
            th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
            thead th { background: #f1f5f9; font-weight: 600; font-size: 13px; white-space: nowrap; }
            td.n, th.n { text-align: right; white-space: nowrap; }
            td.acc { font-weight: 650; }
            td.setting { white-space: nowrap; font-weight: 600; }
            td.who { white-space: nowrap; }
            td.who code { word-break: normal; }
            td.setting.memorization { color: var(--memo); }
            td.setting.association { color: var(--assoc); }
            table.config th { font-weight: 500; color: var(--muted); white-space: nowrap; }
            code { font: 13px ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
            .note { color: var(--muted); font-size: 13.5px; max-width: 900px; }
            .empty { color: var(--muted); font-style: italic; }
            section.run { border-top: 3px solid var(--ink); margin-top: 40px; }
            footer { margin-top: 40px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
            @media print { body { background: #fff; } figure.chart, table { break-inside: avoid; } }
            """;
}
