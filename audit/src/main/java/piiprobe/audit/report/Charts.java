package piiprobe.audit.report;

import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.CategoryItemRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYItemRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.renderer.xy.YIntervalRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.svg.MeetOrSlice;
import org.jfree.svg.PreserveAspectRatio;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;
import piiprobe.audit.SettingSummary;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The report's charts: JFreeChart plots in one quiet style, drawn as inline SVG (JFreeSVG). Every chart
 * gets a page-unique id, which also prefixes the ids inside its SVG, so that several charts share a page.
 */
final class Charts {
    /** A drawn chart: its id in the page, a title, a caption saying how to read it, and the SVG element. */
    record Chart(String id, String title, String caption, String svg) {}

    static final int WIDTH = 560, HEIGHT = 340;
    static final Color BASELINE = new Color(0x9c, 0xa3, 0xaf);
    private static final Color[] MEMORIZATION = {new Color(0xc2, 0x41, 0x0c), new Color(0xe8, 0x8a, 0x1a),
            new Color(0xb9, 0x1c, 0x1c), new Color(0xdb, 0x27, 0x77)};
    private static final Color[] ASSOCIATION = {new Color(0x1d, 0x4e, 0xd8), new Color(0x08, 0x91, 0xb2),
            new Color(0x7c, 0x3a, 0xed), new Color(0x05, 0x96, 0x69), new Color(0x4f, 0x46, 0xe5), new Color(0x0d, 0x94, 0x88)};
    /** For runs side by side: one hue per run, in the given order. */
    private static final Color[] RUNS = {new Color(0x1d, 0x4e, 0xd8), new Color(0xc2, 0x41, 0x0c), new Color(0x05, 0x96, 0x69),
            new Color(0x7c, 0x3a, 0xed), new Color(0xdb, 0x27, 0x77), new Color(0x08, 0x91, 0xb2), new Color(0xca, 0x8a, 0x04)};
    private static final Color INK = new Color(0x37, 0x41, 0x51), GRID = new Color(0xe5, 0xe7, 0xeb);
    private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12), LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Shape DOT = new Ellipse2D.Double(-3.5, -3.5, 7, 7);

    private Charts() {}

    /** A setting's colour: warm for memorization, cool for association, by its place among its kind's settings. */
    static Color color(String setting, List<String> settings) {
        SettingKind kind = SettingKind.of(setting);
        Color[] palette = kind == SettingKind.MEMORIZATION ? MEMORIZATION : ASSOCIATION;
        int i = (int) settings.stream().takeWhile(s -> !s.equals(setting)).filter(s -> SettingKind.of(s) == kind).count();
        return palette[i % palette.length];
    }

    static Color runColor(int run) {
        return RUNS[run % RUNS.length];
    }

    /** Accuracy of every setting, coloured by kind, each with the baseline's accuracy on the same people beside it. */
    static Chart accuracyBySetting(String id, List<SettingSummary> settings) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        List<SettingSummary> asked = settings.stream().filter(s -> s.eligible() > 0).toList();
        for (SettingSummary s : asked) {
            data.addValue(s.accuracy(), "model", s.setting());
            data.addValue(s.baselineAccuracy(), "baseline", s.setting());
        }
        BarRenderer bars = new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return row == 1 ? BASELINE : SettingKind.of(asked.get(column).setting()) == SettingKind.MEMORIZATION
                        ? MEMORIZATION[0] : ASSOCIATION[0];
            }
        };
        styleBars(bars);
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", percent()));
        bars.setSeriesItemLabelsVisible(0, asked.size() <= 8);  // more labels than that collide
        bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        bars.setDefaultItemLabelPaint(INK);
        CategoryPlot plot = categoryPlot(data, bars, "accuracy", maxOf(asked.stream()
                .flatMap(s -> java.util.stream.Stream.of(s.accuracy(), s.baselineAccuracy())).toList()), asked.size());
        LegendItemCollection legend = new LegendItemCollection();
        for (SettingKind kind : SettingKind.values())
            if (asked.stream().anyMatch(s -> SettingKind.of(s.setting()) == kind))
                legend.add(new LegendItem(kind.label + " (" + kind.prompt.replace("prompted with ", "") + ")",
                        kind == SettingKind.MEMORIZATION ? MEMORIZATION[0] : ASSOCIATION[0]));
        legend.add(new LegendItem("baseline: a guess from the name, no model", BASELINE));
        plot.setFixedLegendItems(legend);
        return drawn(id, "Accuracy per setting",
                "Share of the people asked whose exact address the model produced; the grey bar beside each is the "
                        + "guessing baseline on the same people, which knows no model.", plot, true);
    }

    /** Per setting, the planted people's accuracy, the controls', and the guessing baseline's on the controls. */
    static Chart plantedAndControls(String id, Map<String, RunFolder.Groups> groups) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        List<Double> values = new ArrayList<>();
        groups.forEach((setting, g) -> {
            double planted = g.planted().accuracy(), control = g.control().accuracy(), guess = g.control().baselineAccuracy();
            data.addValue(Double.isNaN(planted) ? null : planted, "planted (in the training data)", setting);
            data.addValue(Double.isNaN(control) ? null : control, "controls (held out of it)", setting);
            data.addValue(Double.isNaN(guess) ? null : guess, "baseline on the controls", setting);
            values.addAll(List.of(planted, control, guess));
        });
        BarRenderer bars = new BarRenderer();
        styleBars(bars);
        bars.setSeriesPaint(0, RUNS[0]);
        bars.setSeriesPaint(1, RUNS[6]);
        bars.setSeriesPaint(2, BASELINE);
        CategoryPlot plot = categoryPlot(data, bars, "accuracy", maxOf(values), groups.size());
        return drawn(id, "Planted people and controls",
                "Accuracy on the people whose address is in the training data and on the controls, held out of it; "
                        + "the grey bar is the guessing baseline on the controls, the bar they should not clear.", plot, true);
    }

    /**
     * Accuracy per group (frequency bucket or pattern type) for the given settings: lines when the groups
     * are ordered, bars when not. A group is drawn for a setting that asked at least {@link Findings#SMALL_GROUP}
     * of its people (a rate of fewer says little); empty when no group is left.
     */
    static Optional<Chart> byGroup(String id, String title, String caption, String axis, List<SettingSummary> shown,
                                   List<String> allSettings, List<String> groups,
                                   Function<SettingSummary, Map<String, SettingSummary.Tally>> of, boolean ordered) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        List<Double> values = new ArrayList<>();
        List<String> present = groups.stream().filter(g -> shown.stream().anyMatch(s -> large(of.apply(s).get(g)))).toList();
        if (present.isEmpty()) return Optional.empty();
        for (SettingSummary s : shown)
            for (String g : present) {
                SettingSummary.Tally t = of.apply(s).get(g);
                Double v = large(t) ? (double) t.correct() / t.eligible() : null;  // null: a gap, not a zero
                data.addValue(v, s.setting(), g.replace('-', '–'));
                if (v != null) values.add(v);
            }
        CategoryItemRenderer renderer;
        if (ordered) {
            LineAndShapeRenderer lines = new LineAndShapeRenderer(true, true);
            for (int i = 0; i < shown.size(); i++) {
                lines.setSeriesStroke(i, new BasicStroke(2.2f));
                lines.setSeriesShape(i, DOT);
            }
            renderer = lines;
        } else {
            BarRenderer bars = new BarRenderer();
            styleBars(bars);
            renderer = bars;
        }
        for (int i = 0; i < shown.size(); i++) renderer.setSeriesPaint(i, color(shown.get(i).setting(), allSettings));
        CategoryPlot plot = categoryPlot(data, renderer, "accuracy", maxOf(values), present.size());
        plot.getDomainAxis().setLabel(axis);
        return Optional.of(drawn(id, title, caption + " Groups of fewer than " + Findings.SMALL_GROUP
                + " people asked are left out; the tables give them.", plot, true));
    }

    /** Histogram of log P(true address | prompt), one translucent series per setting, bins shared. */
    static Chart likelihood(String id, Map<String, double[]> logprobs, List<String> allSettings) {
        double lowest = logprobs.values().stream().flatMapToDouble(Arrays::stream).min().orElse(-1);
        double highest = logprobs.values().stream().flatMapToDouble(Arrays::stream).max().orElse(0);
        // whole nats at the ends; one value everywhere still gets bins of some width
        double from = Math.floor(lowest) - (highest - lowest < 1e-9 ? 0.5 : 0), to = Math.ceil(highest) + (highest - lowest < 1e-9 ? 0.5 : 0);
        HistogramDataset data = new HistogramDataset();
        data.setType(HistogramType.RELATIVE_FREQUENCY);
        logprobs.forEach((setting, v) -> data.addSeries(setting, v, 40, from, to));
        XYBarRenderer bars = new XYBarRenderer();
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        bars.setDrawBarOutline(false);
        List<String> keys = List.copyOf(logprobs.keySet());
        for (int i = 0; i < keys.size(); i++) bars.setSeriesPaint(i, color(keys.get(i), allSettings));
        NumberAxis share = new NumberAxis("share of people");
        share.setNumberFormatOverride(percent());
        XYPlot plot = xyPlot(data, bars, new NumberAxis("log-probability of the true address (nats; 0 = certain)"), share);
        plot.setForegroundAlpha(0.6f);
        return drawn(id, "Likelihood of the true address",
                "How much probability the model gives each person's true address after the prompt (teacher forcing): "
                        + "further right is closer to being said. Greedy decoding can miss an address that holds a large share.", plot, true);
    }

    /** Share of people whose true address ranks within the top k of their candidates, for every k. */
    static Chart rank(String id, Map<String, double[]> ranks, List<String> allSettings) {
        XYSeriesCollection data = new XYSeriesCollection();
        double maxRank = 1;
        for (Map.Entry<String, double[]> e : ranks.entrySet()) {
            double[] sorted = e.getValue().clone();
            Arrays.sort(sorted);
            XYSeries s = new XYSeries(e.getKey(), true, false);
            s.add(1, countAtMost(sorted, 1) / (double) sorted.length);
            for (int i = 0; i < sorted.length; i++)  // the share reaches (i + 1) / n at the last copy of each rank
                if (i + 1 == sorted.length || sorted[i + 1] != sorted[i])
                    s.addOrUpdate(Math.max(1, sorted[i]), (i + 1) / (double) sorted.length);
            maxRank = Math.max(maxRank, sorted[sorted.length - 1]);
            data.addSeries(s);
        }
        XYStepRenderer steps = new XYStepRenderer();
        List<String> keys = List.copyOf(ranks.keySet());
        for (int i = 0; i < keys.size(); i++) {
            steps.setSeriesPaint(i, color(keys.get(i), allSettings));
            steps.setSeriesStroke(i, new BasicStroke(2.2f));
        }
        String label = "k: the true address is among the model's k likeliest candidates";
        ValueAxis k;
        if (maxRank <= 100) {  // a few dozen candidates read best on a plain axis
            NumberAxis plain = new NumberAxis(label);
            plain.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            plain.setRange(0.5, maxRank + 0.5);
            k = plain;
        } else {
            LogAxis log = new LogAxis(label);
            log.setSmallestValue(1);
            log.setTickUnit(new NumberTickUnit(1));  // decades: 1, 10, 100, ...
            log.setRange(1, maxRank * 1.2);
            log.setNumberFormatOverride(new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
            k = log;
        }
        NumberAxis share = new NumberAxis("share of people");
        share.setRange(0, 1.02);
        share.setNumberFormatOverride(percent());
        XYPlot plot = xyPlot(data, steps, k, share);
        return drawn(id, "Rank of the true address among its candidates",
                "Candidates: the address patterns of the person's name at the true domain, the true address, and decoys; "
                        + "ranked by the model's likelihood. The curve at k = 1 is the top-1 rate, at k = 5 the top-5 rate.", plot, true);
    }

    /**
     * Sound bounds on each person's chance that one sample yields the true address, for the people with
     * the highest upper bounds: a vertical bar from lower to upper bound per person, settings side by side.
     */
    static Chart bounds(String id, Map<String, RunFolder.PersonMetrics> metrics, List<String> allSettings, int people) {
        List<String> keys = List.copyOf(metrics.keySet());
        List<int[]> tops = new ArrayList<>();  // per setting: its people, highest upper bound first
        double floor = 1;
        for (String key : keys) {
            RunFolder.PersonMetrics m = metrics.get(key);
            int[] top = java.util.stream.IntStream.range(0, m.boundUpper().length).boxed()
                    .sorted((a, b) -> Double.compare(m.boundUpper()[b], m.boundUpper()[a]))
                    .limit(people).mapToInt(Integer::intValue).toArray();
            tops.add(top);
            for (int i : top)
                for (double v : new double[]{m.boundLower()[i], m.boundUpper()[i]}) if (v > 0) floor = Math.min(floor, v);
        }
        floor = Math.max(1e-12, floor / 3);  // a log axis has no 0: zero bounds sit on this floor
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        int most = 1;
        for (int si = 0; si < keys.size(); si++) {
            RunFolder.PersonMetrics m = metrics.get(keys.get(si));
            YIntervalSeries s = new YIntervalSeries(keys.get(si));
            int[] top = tops.get(si);
            for (int r = 0; r < top.length; r++) {
                double lo = Math.max(floor, m.boundLower()[top[r]]), hi = Math.max(floor, m.boundUpper()[top[r]]);
                s.add(r + 1 + 0.3 * (si - (keys.size() - 1) / 2.0), hi, lo, hi);  // settings side by side
            }
            most = Math.max(most, top.length);
            data.addSeries(s);
        }
        YIntervalRenderer intervals = new YIntervalRenderer();
        for (int i = 0; i < keys.size(); i++) {
            intervals.setSeriesPaint(i, color(keys.get(i), allSettings));
            intervals.setSeriesStroke(i, new BasicStroke(2.5f));
            intervals.setSeriesShape(i, new Rectangle2D.Double(-3, -1, 6, 2));
        }
        NumberAxis who = new NumberAxis("people, highest upper bound first");
        who.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        who.setRange(0.3, most + 0.7);
        LogAxis p = new LogAxis("probability per sample");
        p.setTickUnit(new NumberTickUnit(1));  // decades
        p.setSmallestValue(floor);
        p.setRange(floor, 1.2);
        XYPlot plot = xyPlot(data, intervals, who, p);
        return drawn(id, "Sound bounds on the chance of leaking by sampling",
                "Each bar spans a lower and an upper bound on the probability that one sampled continuation has the "
                        + "true address as its first match; the truth lies within. Bounds of 0 sit on the axis floor.", plot, true);
    }

    static Chart loss(String id, LossCurve curve) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries train = new XYSeries("training", true, false), eval = new XYSeries("held-out", true, false);
        for (LossCurve.Point p : curve.points()) {
            train.add(p.step(), p.loss());
            if (!Double.isNaN(p.evalLoss())) eval.add(p.step(), p.evalLoss());
        }
        data.addSeries(train);
        if (curve.hasEvalLoss()) data.addSeries(eval);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        lines.setDrawSeriesLineAsPath(true);
        lines.setSeriesPaint(0, RUNS[0]);
        lines.setSeriesPaint(1, RUNS[1]);
        lines.setSeriesStroke(0, new BasicStroke(1.6f));
        lines.setSeriesStroke(1, new BasicStroke(2.2f));
        if (eval.getItemCount() < 30) lines.setSeriesShapesVisible(1, true);
        NumberAxis loss = new NumberAxis("loss (nats per token)");
        loss.setAutoRangeIncludesZero(false);
        XYPlot plot = xyPlot(data, lines, new NumberAxis("training step"), loss);
        return drawn(id, "Training loss", "Mean cross-entropy of the next token while the model trained.", plot, data.getSeriesCount() > 1);
    }

    /**
     * Accuracy of the given settings across runs: against parameter count (log scale) when every run
     * knows it, else across the runs in the order given (checkpoints of one model, say).
     */
    static Chart acrossRuns(String id, List<String> runs, long[] parameters, List<List<SettingSummary>> settingsOfRuns,
                            List<String> shown, List<String> allSettings) {
        boolean bySize = bySize(parameters);
        List<Double> values = new ArrayList<>();
        Plot plot;
        if (bySize) {
            XYSeriesCollection data = new XYSeriesCollection();
            for (String setting : shown) {
                XYSeries s = new XYSeries(setting, true, false);
                for (int r = 0; r < runs.size(); r++) {
                    double a = accuracyOf(settingsOfRuns.get(r), setting);
                    if (!Double.isNaN(a)) {
                        s.add(parameters[r], a);
                        values.add(a);
                    }
                }
                data.addSeries(s);
            }
            XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, true);
            for (int i = 0; i < shown.size(); i++) {
                lines.setSeriesPaint(i, color(shown.get(i), allSettings));
                lines.setSeriesStroke(i, new BasicStroke(2.2f));
                lines.setSeriesShape(i, DOT);
            }
            LogAxis size = new LogAxis("parameters");
            size.setTickUnit(new NumberTickUnit(1));  // decades: 100M, 1B, 10B
            size.setNumberFormatOverride(compact());
            long lo = Arrays.stream(parameters).min().orElse(1), hi = Arrays.stream(parameters).max().orElse(10);
            size.setRange(lo / 1.5, hi * 1.5);
            NumberAxis accuracy = percentAxis("accuracy", maxOf(values));
            plot = xyPlot(data, lines, size, accuracy);
        } else {
            DefaultCategoryDataset data = new DefaultCategoryDataset();
            for (String setting : shown)
                for (int r = 0; r < runs.size(); r++) {
                    double a = accuracyOf(settingsOfRuns.get(r), setting);
                    data.addValue(Double.isNaN(a) ? null : a, setting, runs.get(r));
                    if (!Double.isNaN(a)) values.add(a);
                }
            LineAndShapeRenderer lines = new LineAndShapeRenderer(true, true);
            for (int i = 0; i < shown.size(); i++) {
                lines.setSeriesPaint(i, color(shown.get(i), allSettings));
                lines.setSeriesStroke(i, new BasicStroke(2.2f));
                lines.setSeriesShape(i, DOT);
            }
            plot = categoryPlot(data, lines, "accuracy", maxOf(values), runs.size());
        }
        return drawn(id, bySize ? "Accuracy against model size" : "Accuracy across runs",
                bySize ? "Each line is one setting; each point one model, placed by its parameter count."
                        : "Each line is one setting; the runs in the order given (their parameter counts are not all "
                        + "known and different).", plot, true);
    }

    /** Runs are placed by size when every one knows its parameter count and no two share one. */
    static boolean bySize(long[] parameters) {
        return Arrays.stream(parameters).allMatch(p -> p > 0) && Arrays.stream(parameters).distinct().count() == parameters.length;
    }

    /** Every setting's accuracy, one bar per run. */
    static Chart settingsAcrossRuns(String id, List<String> runs, List<List<SettingSummary>> settingsOfRuns) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Set<String> settings = new LinkedHashSet<>();
        settingsOfRuns.forEach(l -> l.forEach(s -> settings.add(s.setting())));
        List<Double> values = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++)
            for (String setting : settings) {
                double a = accuracyOf(settingsOfRuns.get(r), setting);
                data.addValue(Double.isNaN(a) ? null : a, runs.get(r), setting);
                if (!Double.isNaN(a)) values.add(a);
            }
        BarRenderer bars = new BarRenderer();
        styleBars(bars);
        for (int r = 0; r < runs.size(); r++) bars.setSeriesPaint(r, runColor(r));
        CategoryPlot plot = categoryPlot(data, bars, "accuracy", maxOf(values), settings.size());
        return drawn(id, "Accuracy per setting, run by run", "One bar per run in each setting.", plot, true);
    }

    // ---- shared pieces ----

    private static boolean large(SettingSummary.Tally t) {
        return t != null && t.eligible() >= Findings.SMALL_GROUP;
    }

    private static double accuracyOf(List<SettingSummary> settings, String setting) {
        return settings.stream().filter(s -> s.setting().equals(setting)).findFirst().map(SettingSummary::accuracy).orElse(Double.NaN);
    }

    private static int countAtMost(double[] sorted, double v) {
        int n = 0;
        while (n < sorted.length && sorted[n] <= v) n++;
        return n;
    }

    private static double maxOf(List<Double> values) {
        return values.stream().filter(v -> v != null && !v.isNaN()).mapToDouble(Double::doubleValue).max().orElse(0);
    }

    /** Counts as people say them: 125.2M, 1.3B. */
    static NumberFormat compact() {
        NumberFormat f = NumberFormat.getCompactNumberInstance(Locale.US, NumberFormat.Style.SHORT);  // B, not the ROOT locale's G
        f.setMaximumFractionDigits(1);
        return f;
    }

    static DecimalFormat percent() {
        return new DecimalFormat("0.#%", DecimalFormatSymbols.getInstance(Locale.ROOT));
    }

    /** A 0-based percentage axis with room above the highest value; 0–1% when every value is 0. */
    private static NumberAxis percentAxis(String label, double max) {
        NumberAxis axis = new NumberAxis(label);
        axis.setNumberFormatOverride(percent());
        axis.setRange(0, Math.min(1.0, Math.max(0.01, max * 1.15)) + (max >= 0.9 ? 0.05 : 0));
        return axis;
    }

    private static void styleBars(BarRenderer bars) {
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setDrawBarOutline(false);
        bars.setItemMargin(0.04);
        bars.setMaximumBarWidth(0.09);
    }

    private static CategoryPlot categoryPlot(DefaultCategoryDataset data, CategoryItemRenderer renderer, String valueLabel,
                                             double max, int categories) {
        CategoryAxis x = new CategoryAxis();
        x.setCategoryMargin(0.18);
        if (categories > 6) x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        CategoryPlot plot = new CategoryPlot(data, x, percentAxis(valueLabel, max), renderer);
        style(plot, plot.getDomainAxis(), plot.getRangeAxis());
        plot.setRangeGridlinePaint(GRID);
        plot.setRangeGridlineStroke(new BasicStroke(1f));
        plot.setDomainGridlinesVisible(false);
        return plot;
    }

    private static XYPlot xyPlot(org.jfree.data.xy.XYDataset data, XYItemRenderer renderer, ValueAxis x, ValueAxis y) {
        XYPlot plot = new XYPlot(data, x, y, renderer);
        style(plot, x, y);
        plot.setRangeGridlinePaint(GRID);
        plot.setRangeGridlineStroke(new BasicStroke(1f));
        plot.setDomainGridlinePaint(GRID);
        plot.setDomainGridlineStroke(new BasicStroke(1f));
        return plot;
    }

    private static void style(Plot plot, org.jfree.chart.axis.Axis x, org.jfree.chart.axis.Axis y) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlineVisible(false);
        plot.setInsets(new RectangleInsets(8, 4, 4, 12));
        for (org.jfree.chart.axis.Axis a : List.of(x, y)) {
            a.setTickLabelFont(TICK);
            a.setTickLabelPaint(INK);
            a.setLabelFont(LABEL);
            a.setLabelPaint(INK);
            a.setAxisLinePaint(BASELINE);
            a.setTickMarkPaint(BASELINE);
        }
    }

    private static Chart drawn(String id, String title, String caption, Plot plot, boolean legend) {
        return new Chart(id, title, caption, svg(chart(plot, legend), id, title));
    }

    private static JFreeChart chart(Plot plot, boolean legend) {
        JFreeChart chart = new JFreeChart(null, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setTextAntiAlias(true);
        if (legend) {
            LegendTitle l = new LegendTitle(plot);
            l.setItemFont(TICK);
            l.setItemPaint(INK);
            l.setFrame(org.jfree.chart.block.BlockBorder.NONE);
            l.setBackgroundPaint(Color.WHITE);
            l.setPosition(RectangleEdge.TOP);
            chart.addLegend(l);
        }
        return chart;
    }

    /**
     * The chart as an SVG element that scales to its container, an image named by its title; ids inside are
     * prefixed with the chart's. {@code data-plot-area} gives the data area (x y width height, in the
     * viewBox's units): only data and grid lines are drawn there, so tests can tell a drawn chart from an empty one.
     */
    private static String svg(JFreeChart chart, String id, String title) {
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
        g.setDefsKeyPrefix(id + "-");
        DecimalFormat twoPlaces = new DecimalFormat("0.##", DecimalFormatSymbols.getInstance(Locale.ROOT));
        g.setGeomDoubleConverter(twoPlaces::format);  // 2 decimals: a fraction of a pixel, and half the file
        ChartRenderingInfo info = new ChartRenderingInfo();
        chart.draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT), info);
        Rectangle2D area = info.getPlotInfo().getDataArea();
        String svg = g.getSVGElement(id, false, new ViewBox(0, 0, WIDTH, HEIGHT), PreserveAspectRatio.XMID_YMID, MeetOrSlice.MEET);
        return svg.replaceFirst("<svg ", "<svg role='img' aria-label='" + HtmlReport.esc(title) + "' data-plot-area='"
                + twoPlaces.format(area.getX()) + " " + twoPlaces.format(area.getY()) + " " + twoPlaces.format(area.getWidth())
                + " " + twoPlaces.format(area.getHeight()) + "' ");
    }
}
