package dev.lockkit.fencing.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Names reach the SQL only as checked identifiers; the builders refuse everything else, naming it. */
class SqlNamesTest {
  @ParameterizedTest
  @ValueSource(strings = {"orders; DROP TABLE x", "\"orders\"", "a.b.c", "1orders", "", "or ders", ".orders",
      "orders.", "orders--", "shop.\"items\"",
      "x234567890123456789012345678901234567890123456789012345678901234"})
  void aTableNameThatIsNoPlainIdentifierIsRefused(String name) {
    assertThatThrownBy(() -> FencedTable.builder().table(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("table '" + name + "'");
    assertThatThrownBy(() -> Fences.builder().table(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("table '" + name + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"id = id OR 1", "shop.id", "\"id\"", "1d", "", "i-d"})
  void aColumnNameThatIsNoPlainIdentifierIsRefused(String name) {
    assertThatThrownBy(() -> FencedTable.builder().idColumn(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("idColumn '" + name + "' is not a plain SQL identifier");
    assertThatThrownBy(() -> FencedTable.builder().fenceColumn(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("fenceColumn '");
    assertThatThrownBy(() -> FencedTable.builder().valueColumns("ok", name))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("valueColumns[1] '");
  }

  @Test
  void plainAndSchemaQualifiedNamesAreAccepted() {
    FencedTable t = FencedTable.builder().table("Shop_1.order_items").idColumn("_id").valueColumns("qty", "Note2")
        .build();
    assertThat(t.table()).isEqualTo("Shop_1.order_items");
    assertThat(t.valueColumns()).containsExactly("qty", "Note2");
    assertThat(t.dialect()).isEmpty();
    assertThat(t.updateSql()).isEqualTo("UPDATE Shop_1.order_items SET qty = ?, Note2 = ?, fence = ? WHERE _id = ? "
        + "AND fence < ?");
  }

  @Test
  void theBuilderRefusesMissingRepeatedAndCollidingOptions() {
    assertThatThrownBy(() -> FencedTable.builder().idColumn("id").valueColumns("v").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("table is required");
    assertThatThrownBy(() -> FencedTable.builder().table("t").valueColumns("v").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("idColumn is required");
    assertThatThrownBy(() -> FencedTable.builder().table("t").idColumn("id").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("valueColumns are required");
    assertThatThrownBy(() -> FencedTable.builder().table("t").table("u"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("table was set already; set each option once");
    assertThatThrownBy(() -> FencedTable.builder().valueColumns())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one column");
    assertThatThrownBy(() -> FencedTable.builder().table("t").idColumn("id").valueColumns("v", "FENCE").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'FENCE' is named twice");
    assertThatThrownBy(() -> FencedTable.builder().table("t").idColumn("id").valueColumns("Id").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Id' is named twice");
    assertThatThrownBy(() -> Fences.builder().dialect(SqlDialect.H2).dialect(SqlDialect.H2))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("dialect was set already; set each option once");
  }
}
