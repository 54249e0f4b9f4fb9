package org.cvtzoo.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A cell's text cut into Java code and line magics ({@code %name args}, one line each, as
 * IJava and BeakerX write them), in order, each piece knowing where in the cell it starts.
 */
final class CellText {
    private CellText() {
    }

    /** A line magic starts a line with {@code %} and a name; {@code %%} starts a cell magic. */
    private static final Pattern MAGIC = Pattern.compile("^\\s*%%?[A-Za-z_].*");

    /**
     * A piece of the cell.
     *
     * @param magic     whether it is a magic line (else Java code)
     * @param text      its text (a magic without its leading blanks)
     * @param offset    where it starts in the cell (a character index)
     * @param firstLine the cell's line it starts on, from 1
     */
    record Piece(boolean magic, String text, int offset, int firstLine) {
    }

    static List<Piece> split(String cell) {
        List<Piece> pieces = new ArrayList<>();
        int codeStart = 0, codeLine = 1, line = 1, pos = 0;
        while (pos <= cell.length()) {
            int end = cell.indexOf('\n', pos);
            int lineEnd = end < 0 ? cell.length() : end;
            String text = cell.substring(pos, lineEnd);
            if (MAGIC.matcher(text).matches()) {
                addCode(pieces, cell, codeStart, pos, codeLine);
                pieces.add(new Piece(true, text.strip(), pos + (text.length() - text.stripLeading().length()), line));
                codeStart = end < 0 ? cell.length() : end + 1;
                codeLine = line + 1;
            }
            if (end < 0) break;
            pos = end + 1;
            line++;
        }
        addCode(pieces, cell, codeStart, cell.length(), codeLine);
        return pieces;
    }

    private static void addCode(List<Piece> pieces, String cell, int from, int to, int line) {
        if (from < to && !cell.substring(from, to).isBlank()) pieces.add(new Piece(false, cell.substring(from, to), from, line));
    }

    /** Where Java's first token in {@code source} starts: after blanks, line comments and block comments. */
    static int codeStart(String source) {
        int i = 0;
        while (i < source.length()) {
            if (Character.isWhitespace(source.charAt(i))) {
                i++;
            } else if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? source.length() : end + 1;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? source.length() : end + 2;
            } else {
                break;
            }
        }
        return i;
    }

    /** Whether the last character of {@code source} outside comments is a semicolon. */
    static boolean endsWithSemicolon(String source) {
        char last = 0;
        int i = 0, n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) { // a text block
                int end = source.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                last = '"';
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && source.charAt(j) != c && source.charAt(j) != '\n') j += source.charAt(j) == '\\' ? 2 : 1;
                i = j + 1;
                last = c;
            } else {
                if (!Character.isWhitespace(c)) last = c;
                i++;
            }
        }
        return last == ';';
    }

    /** The 1-based line of {@code text} that character {@code index} is on. */
    static int lineOf(String text, int index) {
        int line = 1;
        for (int i = 0; i < Math.min(index, text.length()); i++) {
            if (text.charAt(i) == '\n') line++;
        }
        return line;
    }

    /** Line {@code n} (1-based) of {@code text}, or "" past its end. */
    static String line(String text, int n) {
        String[] lines = text.split("\n", -1);
        return n >= 1 && n <= lines.length ? lines[n - 1] : "";
    }
}
