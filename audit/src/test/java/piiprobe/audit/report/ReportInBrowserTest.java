package piiprobe.audit.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.audit.AuditRuns;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report as a reader sees it: rendered by headless Chromium, the page must load without a console
 * error, request nothing but itself, and show every chart it should, each with visible data. The
 * screenshots land in {@code target/report-screenshots/} for a person to look at.
 */
class ReportInBrowserTest {
    /** Visible pixels of colour (not white, grey or black) a chart's data marks must cover at least. */
    private static final int MIN_DATA_PIXELS = 40;
    private static final Path SCREENSHOTS = Path.of("target", "report-screenshots");

    @TempDir
    static Path dir;
    static Path data, small, mid, big;
    static HeadlessChromium chromium;

    @BeforeAll
    static void runsAndBrowser() throws Exception {
        data = AuditRuns.enronSample(dir, 300);
        big = AuditRuns.run(data, dir.resolve("neo-2.7b"), "all", false, "gpt-neo-2.7B", 2_651_307_520L, 1.0);
        AuditRuns.addMetrics(big);
        AuditRuns.addLossCurve(big, 600);
        mid = AuditRuns.run(data, dir.resolve("neo-1.3b"), "all", false, "gpt-neo-1.3B", 1_315_575_808L, 0.6);
        small = AuditRuns.run(data, dir.resolve("neo-125m"), "all", false, "gpt-neo-125M", 125_198_592L, 0.3);
        Files.createDirectories(SCREENSHOTS);
        Path profile = dir.resolve("profile");
        Files.createDirectories(profile);
        chromium = HeadlessChromium.start(profile);
    }

    @AfterAll
    static void closeBrowser() throws InterruptedException {
        if (chromium != null) chromium.close();
    }

    @Test
    void oneRunShowsEveryChartWithData() throws IOException {
        Path page = dir.resolve("one.html");
        HtmlReport.write(List.of(RunFolder.read(big)), page, false);
        List<Drawn> charts = render(page, "one-run.png");
        assertEquals(Set.of("accuracy-by-setting", "accuracy-by-frequency", "accuracy-by-pattern", "likelihood", "rank", "bounds", "loss"),
                ids(charts));
        charts.forEach(Drawn::assertHasData);
    }

    @Test
    void severalRunsAddTheComparison() throws IOException {
        Path page = dir.resolve("three.html");
        HtmlReport.write(List.of(RunFolder.read(small), RunFolder.read(mid), RunFolder.read(big)), page, false);
        List<Drawn> charts = render(page, "three-runs.png");
        Set<String> expected = new TreeSet<>(Set.of("across-runs", "settings-across-runs"));
        for (int r = 1; r <= 3; r++)
            for (String c : List.of("accuracy-by-setting", "accuracy-by-frequency", "accuracy-by-pattern")) expected.add("run" + r + "-" + c);
        for (String c : List.of("likelihood", "rank", "bounds", "loss")) expected.add("run3-" + c);
        assertEquals(expected, ids(charts));
        charts.forEach(Drawn::assertHasData);
    }

    @Test
    void aModelThatNamesNoAddressStillGivesAPage() throws IOException {
        Path silent = AuditRuns.run(data, dir.resolve("silent"), "zero-shot-a,context-50", true, "silent", -1, 0);
        List<Drawn> charts = render(silent.resolve(HtmlReport.FILE), "silent-redacted.png");
        // the baseline's grey bars are all there is to draw; groups where nothing leaked are said, not drawn
        assertEquals(Set.of("accuracy-by-setting"), ids(charts));
        assertTrue(charts.getFirst().width() > 300 && charts.getFirst().width() < 700, charts.toString());
        assertEquals(0, charts.getFirst().dataPixels(), "a model that names no address has no coloured bar: " + charts);
    }

    /** A chart as the browser laid it out, and the coloured pixels of its data area in the screenshot. */
    record Drawn(String id, double width, double height, int dataPixels) {
        void assertHasData() {
            assertTrue(width > 300 && height > 150, id + " is drawn too small: " + this);
            assertTrue(dataPixels >= MIN_DATA_PIXELS, id + " shows no data: " + this);
        }
    }

    private static Set<String> ids(List<Drawn> charts) {
        Set<String> out = new TreeSet<>();
        charts.forEach(c -> out.add(c.id()));
        assertEquals(charts.size(), out.size(), "chart ids repeat: " + charts);
        return out;
    }

    /** Loads the page, checks it is clean and self-contained, saves its screenshot, and measures each chart. */
    private static List<Drawn> render(Path page, String screenshot) throws IOException {
        chromium.open(page);
        assertEquals(List.of(), chromium.problems(), "the page logged problems");
        assertEquals(List.of(page.toUri().toString()), chromium.requests(), "the page requested more than itself");
        byte[] png = chromium.screenshot();
        Files.write(SCREENSHOTS.resolve(screenshot), png);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        // each chart: its box on the page, and its data area (the svg's data-plot-area, scaled from the viewBox)
        JsonNode charts = chromium.evaluate("""
                [...document.querySelectorAll('figure.chart')].map(f => {
                  const svg = f.querySelector('svg');
                  if (!svg) return {id: f.dataset.chart, w: 0, h: 0, area: null};
                  const r = svg.getBoundingClientRect(), scale = r.width / svg.viewBox.baseVal.width;
                  const [x, y, w, h] = svg.getAttribute('data-plot-area').split(' ').map(Number);
                  return {id: f.dataset.chart, w: r.width, h: r.height,
                          area: {x: r.left + scrollX + x * scale, y: r.top + scrollY + y * scale, w: w * scale, h: h * scale}};
                })""");
        List<Drawn> out = new ArrayList<>();
        for (JsonNode c : charts)
            out.add(new Drawn(c.get("id").asText(), c.get("w").asDouble(), c.get("h").asDouble(),
                    c.get("area").isNull() ? 0 : colouredPixels(image, c.get("area"))));
        return out;
    }

    /**
     * Pixels of the box whose colour is clearly not grey: in a data area only grid lines (grey) and data
     * (coloured, but for the baseline's grey bars) are drawn.
     */
    private static int colouredPixels(BufferedImage image, JsonNode box) {
        int x0 = Math.max(0, (int) Math.ceil(box.get("x").asDouble())), y0 = Math.max(0, (int) Math.ceil(box.get("y").asDouble()));
        int x1 = Math.min(image.getWidth(), (int) Math.floor(box.get("x").asDouble() + box.get("w").asDouble()));
        int y1 = Math.min(image.getHeight(), (int) Math.floor(box.get("y").asDouble() + box.get("h").asDouble()));
        int n = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) {
                int rgb = image.getRGB(x, y), r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 40) n++;
            }
        return n;
    }
}
