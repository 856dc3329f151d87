package piiprobe.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a new user reads first: every page of help fits a terminal of 80 columns, says what the command is for, and shows it used. */
class HelpTest {
    private static final Set<String> COMMANDS = new CommandLine(new Main()).getSubcommands().keySet();

    @Test
    void everyCommandsHelpFitsEightyColumns() {
        for (String command : COMMANDS) {
            Cli r = Cli.run(command, "--help");
            assertEquals(0, r.exit(), command + ": " + r.err());
            for (String line : r.out().lines().toList()) assertTrue(line.length() <= 80, command + ": " + line.length() + ": " + line);
        }
        for (String line : Cli.run("--help").out().lines().toList()) assertTrue(line.length() <= 80, line);
    }

    @Test
    void theCommandListGivesEachCommandOneLine() {
        String help = Cli.run("--help").out();
        List<String> list = help.lines().dropWhile(l -> !l.equals("Commands:")).skip(1).takeWhile(l -> !l.isBlank()).toList();
        assertEquals(COMMANDS.size(), list.size(), "a summary that wraps, or one cut mid-sentence:\n" + help);
        for (String line : list) assertTrue(line.endsWith("."), "a whole sentence: " + line);
    }

    @Test
    void everyCommandButHelpShowsItselfUsedAndHeadsItsPageWithItsSummary() {
        for (String command : COMMANDS) {
            if (command.equals("help")) continue;
            String page = Cli.run(command, "--help").out();
            String summary = Cli.run("--help").out().lines().filter(l -> l.startsWith("  " + command + " ")).findFirst().orElseThrow()
                    .substring(2 + command.length()).strip();
            assertEquals(summary, page.lines().findFirst().orElseThrow(), command);
            assertTrue(page.matches("(?s).*\nExamples?:\n  (PIIPROBE_\\w+=\\w+ )?piiprobe " + command + " .*"), command + ":\n" + page);
        }
    }

    @Test
    void everyCommandKnowsTheVersion() {
        for (String command : COMMANDS) {
            if (command.equals("help")) continue;
            assertEquals("piiprobe " + Main.VERSION, Cli.run(command, "--version").out().strip(), command);
        }
    }
}
