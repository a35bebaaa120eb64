package org.safecity.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlateFormatsTest {
  static final PlateFormats F = new PlateFormats(List.of("AAA-9999", "AAA 999", "AAA-99-999", "AA-9999"),
      List.of("0O", "0D", "0Q", "1I", "2Z", "5S", "6G", "8B"));

  static Optional<String> norm(String raw) {
    return F.normalise(raw).map(PlateFormats.Plate::text);
  }

  @Test
  void readsAreRenderedInTheirFormat() {
    assertThat(norm("LEA-1234")).contains("LEA-1234");
    assertThat(norm("lea 1234")).contains("LEA-1234");
    assertThat(norm("LEA1234")).contains("LEA-1234");
    assertThat(norm("BKR 123")).contains("BKR 123");
    assertThat(norm("BKR-123")).contains("BKR 123");
    assertThat(norm("ABC-12-345")).contains("ABC-12-345");
    assertThat(norm("ABC12345")).contains("ABC-12-345");
    assertThat(norm("KA-4471")).contains("KA-4471");
    assertThat(norm(" L.E.A·12 34 ")).as("anything that is not a letter or digit is ignored").contains("LEA-1234");
  }

  @Test
  void confusionsAreUndoneByPosition() {
    assertThat(norm("LEA-I234")).as("I at a digit position is 1").contains("LEA-1234");
    assertThat(norm("1EA-1234")).as("1 at a letter position is I").contains("IEA-1234");
    assertThat(norm("L3A-12O4")).as("3 has no confusion").isEmpty();
    assertThat(norm("0KR 1O3")).contains("OKR 103");
    assertThat(norm("BKR 1D3")).as("D reads as 0 at a digit position").contains("BKR 103");
    assertThat(norm("8KR 5Z3")).contains("BKR 523");
    PlateFormats.Plate p = F.normalise("LEA-I2B4").orElseThrow();
    assertThat(p.text()).isEqualTo("LEA-1284");
    assertThat(p.format()).isEqualTo("AAA-9999");
    assertThat(p.substitutions()).isEqualTo(2);
  }

  @Test
  void theFormatNeedingFewestSubstitutionsWins() {
    // Six symbols fit AAA 999 and AA-9999; a letter in third place is read as written.
    assertThat(norm("ABZ123")).contains("ABZ 123");
    assertThat(norm("AB2123")).contains("AB-2123");
    // A tie goes to the format listed first.
    PlateFormats other = new PlateFormats(List.of("AA-9999", "AAA 999"), List.of("2Z"));
    assertThat(other.normalise("AB2I23")).isEmpty();
    assertThat(new PlateFormats(List.of("AAA-999", "AAA 999"), List.of()).normalise("ABC123").orElseThrow().text())
        .isEqualTo("ABC-123");
  }

  @Test
  void readsFittingNoFormatAreRefused() {
    assertThat(norm("")).isEmpty();
    assertThat(norm("PUNJAB")).isEmpty();
    assertThat(norm("LEA-123456")).isEmpty();
    assertThat(norm("LEA-12345")).as("eight symbols: the AAA-99-999 format").contains("LEA-12-345");
    assertThat(norm("LE-123")).isEmpty();
    assertThat(norm("巴LEA-1234")).as("a character OCR adds that is no letter or digit is ignored").contains("LEA-1234");
  }

  @Test
  void compactFormIsLettersAndDigits() {
    assertThat(PlateFormats.compact("lea-1234")).isEqualTo("LEA1234");
    assertThat(PlateFormats.compact("BKR 123")).isEqualTo("BKR123");
  }

  @Test
  void badFormatsAndConfusionsAreNamed() {
    assertThatThrownBy(() -> new PlateFormats(List.of("AAA_999"), List.of()))
        .hasMessage("plate format \"AAA_999\": '_' is neither A (a letter), 9 (a digit) nor a separator (- . / or space)");
    assertThatThrownBy(() -> new PlateFormats(List.of("A"), List.of()))
        .hasMessage("plate format \"A\": expected 2..12 letters and digits (A and 9), got 1");
    assertThatThrownBy(() -> new PlateFormats(List.of("-AA99"), List.of()))
        .hasMessage("plate format \"-AA99\": starts or ends with a separator");
    assertThatThrownBy(() -> new PlateFormats(List.of("AA99"), List.of("O0")))
        .hasMessage("confusion \"O0\": expected a digit followed by the letter it is mistaken for, e.g. 0O or 1I");
    assertThatThrownBy(() -> new PlateFormats(List.of(), List.of())).hasMessage("no plate format given");
  }
}
