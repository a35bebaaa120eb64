package org.safecity.gateway.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns what OCR read into a plate in its canonical form, with the formats and character confusions from the
 * configuration ({@code recognition.plateFormats}, {@code recognition.plateConfusions}).
 *
 * <p>A format is a mask: {@code A} a letter, {@code 9} a digit, and {@code -}, space, {@code .} or {@code /} a
 * separator written as is ({@code AAA-9999} renders {@code LEA-1234}). A read is reduced to its letters and digits
 * (upper case; separators, spaces and anything else OCR saw are ignored), and fits a format of the same number of
 * symbols when every position holds its kind, or can be made to by a confusion: a confusion pairs a digit with the
 * letter OCR takes it for ({@code 0O}, {@code 1I}, ...), so at a letter position its digit becomes the letter and
 * at a digit position its letter the digit. The format needing the fewest substitutions wins; on a tie, the one
 * listed first.
 */
public final class PlateFormats {
  /** A plate as normalised: its canonical text, the format it fits and how many characters were substituted. */
  public record Plate(String text, String format, int substitutions) {
  }

  private static final String SEPARATORS = "- ./";
  private final List<String> masks;
  private final Map<Character, Character> toLetter = new LinkedHashMap<>();
  private final Map<Character, Character> toDigit = new LinkedHashMap<>();

  /**
   * @param masks      formats in order of preference
   * @param confusions pairs of a digit and a letter, e.g. {@code 0O}
   * @throws IllegalArgumentException naming the bad mask or pair
   */
  public PlateFormats(List<String> masks, List<String> confusions) {
    if (masks.isEmpty()) {
      throw new IllegalArgumentException("no plate format given");
    }
    for (String m : masks) {
      check(m);
    }
    this.masks = List.copyOf(masks);
    for (String c : confusions) {
      String pair = c.trim();
      if (pair.length() != 2 || !isDigit(pair.charAt(0)) || !isLetter(pair.charAt(1))) {
        throw new IllegalArgumentException("confusion \"" + c + "\": expected a digit followed by the letter it is "
            + "mistaken for, e.g. 0O or 1I");
      }
      // The first pair naming a character wins: "0O, 0D" turns a 0 at a letter position into O, and both O and D
      // at a digit position into 0.
      toLetter.putIfAbsent(pair.charAt(0), pair.charAt(1));
      toDigit.putIfAbsent(pair.charAt(1), pair.charAt(0));
    }
  }

  private static void check(String mask) {
    int symbols = 0;
    for (char ch : mask.toCharArray()) {
      if (ch == 'A' || ch == '9') {
        symbols++;
      } else if (SEPARATORS.indexOf(ch) < 0) {
        throw new IllegalArgumentException("plate format \"" + mask + "\": '" + ch + "' is neither A (a letter), "
            + "9 (a digit) nor a separator (- . / or space)");
      }
    }
    if (symbols < 2 || symbols > 12) {
      throw new IllegalArgumentException("plate format \"" + mask + "\": expected 2..12 letters and digits (A and 9), got "
          + symbols);
    }
    if (SEPARATORS.indexOf(mask.charAt(0)) >= 0 || SEPARATORS.indexOf(mask.charAt(mask.length() - 1)) >= 0) {
      throw new IllegalArgumentException("plate format \"" + mask + "\": starts or ends with a separator");
    }
  }

  public List<String> masks() {
    return masks;
  }

  /** Letters and digits only, upper case: the form two spellings of one plate share. */
  public static String compact(String raw) {
    StringBuilder out = new StringBuilder(raw.length());
    for (char ch : raw.toUpperCase(Locale.ROOT).toCharArray()) {
      if (isLetter(ch) || isDigit(ch)) {
        out.append(ch);
      }
    }
    return out.toString();
  }

  /** The read as a plate of one of the formats, or empty when it fits none. */
  public Optional<Plate> normalise(String raw) {
    String c = compact(raw);
    Plate best = null;
    for (String mask : masks) {
      Plate p = fit(c, mask);
      if (p != null && (best == null || p.substitutions() < best.substitutions())) {
        best = p;
      }
    }
    return Optional.ofNullable(best);
  }

  private Plate fit(String c, String mask) {
    StringBuilder out = new StringBuilder(mask.length());
    int at = 0;
    int substituted = 0;
    for (char m : mask.toCharArray()) {
      if (m != 'A' && m != '9') {
        out.append(m);
        continue;
      }
      if (at >= c.length()) {
        return null;
      }
      char ch = c.charAt(at++);
      if (m == 'A' && !isLetter(ch)) {
        Character l = toLetter.get(ch);
        if (l == null) {
          return null;
        }
        ch = l;
        substituted++;
      } else if (m == '9' && !isDigit(ch)) {
        Character d = toDigit.get(ch);
        if (d == null) {
          return null;
        }
        ch = d;
        substituted++;
      }
      out.append(ch);
    }
    return at == c.length() ? new Plate(out.toString(), mask, substituted) : null;
  }

  /** The formats as a sentence, for messages. */
  public String describe() {
    List<String> quoted = new ArrayList<>();
    masks.forEach(m -> quoted.add("\"" + m + "\""));
    return String.join(", ", quoted) + " (A a letter, 9 a digit)";
  }

  private static boolean isLetter(char ch) {
    return ch >= 'A' && ch <= 'Z';
  }

  private static boolean isDigit(char ch) {
    return ch >= '0' && ch <= '9';
  }
}
