package org.cvtzoo.notebook;

import java.util.List;

/** HTML and plain-text tables, the two forms a notebook shows a table in. */
final class Html {
    private Html() {
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * A table: a header row and body rows of cells that are already HTML (escape text first),
     * numbers aligned right where {@code right[i]}.
     */
    static String table(List<String> header, List<List<String>> rows, boolean[] right) {
        StringBuilder b = new StringBuilder("<table class=\"cvt-table\">\n<thead><tr>");
        for (int i = 0; i < header.size(); i++) {
            b.append("<th").append(align(right[i])).append('>').append(escape(header.get(i))).append("</th>");
        }
        b.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : rows) {
            b.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                b.append("<td").append(align(right[i])).append('>').append(row.get(i)).append("</td>");
            }
            b.append("</tr>\n");
        }
        return b.append("</tbody>\n</table>").toString();
    }

    /**
     * Alignment as a style (which a notebook UI keeps in outputs it made or trusts; the classic
     * UI's own CSS aligns table cells right) and as the attribute (for HTML viewers without it).
     */
    private static String align(boolean right) {
        String side = right ? "right" : "left";
        return " align=\"" + side + "\" style=\"text-align:" + side + "\"";
    }

    /** The same table as aligned plain text. */
    static String text(List<String> header, List<List<String>> rows, boolean[] right) {
        int[] width = new int[header.size()];
        for (int i = 0; i < header.size(); i++) width[i] = header.get(i).length();
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) width[i] = Math.max(width[i], row.get(i).length());
        }
        StringBuilder b = new StringBuilder();
        line(b, header, width, right);
        for (List<String> row : rows) line(b, row, width, right);
        return b.toString().stripTrailing();
    }

    private static void line(StringBuilder b, List<String> cells, int[] width, boolean[] right) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String pad = " ".repeat(width[i] - c.length());
            l.append(i == 0 ? "" : "  ").append(right[i] ? pad + c : c + pad);
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
