package io.tessera.cli;

import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.rcmae.RcMae;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RC-MAE's teacher mask in the method spec: recorded, read back, "same" for older records, RC-MAE only. */
class MethodSpecTeacherMaskTest {
    @Test
    void theTeacherMaskIsRecordedAndReadBack() {
        MethodSpec d = new MethodSpec(MethodSpec.Method.RCMAE, MaeConfig.micro16(), 1.0, 0.25, 64, 8, 0.6, 0.1, 0, RcMae.TeacherMask.INDEPENDENT);
        assertThat(d.toMap()).containsEntry("teacher_mask", "independent");
        assertThat(MethodSpec.fromJson(JsonFields.of(d.toMap(), null))).isEqualTo(d);
        MethodSpec s = new MethodSpec(MethodSpec.Method.RCMAE, MaeConfig.micro16(), 1.0, 0.25, 64, 8, 0.6, 0.1, 0);
        assertThat(s.teacherMask()).isEqualTo(RcMae.TeacherMask.SAME);
        assertThat(s.toMap()).containsEntry("teacher_mask", "same");
    }

    @Test
    void anOlderMethodConfigWithoutItReadsAsSame() {
        Map<String, Object> older = new LinkedHashMap<>(new MethodSpec(MethodSpec.Method.RCMAE, MaeConfig.micro16(), 1.0, 0.25, 64, 8, 0.6, 0.1, 0).toMap());
        older.remove("teacher_mask");
        assertThat(MethodSpec.fromJson(JsonFields.of(older, null)).teacherMask()).isEqualTo(RcMae.TeacherMask.SAME);
        older.put("teacher_mask", "sometimes");
        assertThatThrownBy(() -> MethodSpec.fromJson(JsonFields.of(older, null))).hasMessageContaining("teacher_mask").hasMessageContaining("same, independent");
    }

    @Test
    void onlyRcMaeHasAnIndependentTeacherMask() {
        assertThatThrownBy(() -> new MethodSpec(MethodSpec.Method.LUT, MaeConfig.micro16(), 1.0, 0.25, 64, 8, 0.6, 0.1, 0, RcMae.TeacherMask.INDEPENDENT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RC-MAE only");
    }
}
