//! Spark's calendar functions for the scan, called on `dev.thermite.exec.LegacyCalendar`: which
//! calendar a file is in (Spark's own rebase specs) and the rebasing of its ancient values.

use jni::objects::{GlobalRef, JClass, JObject, JObjectArray, JString, JValue};
use jni::{JNIEnv, JavaVM};
use thermite_core::operators::legacy_calendar::{RebaseMode, RebaseSpec, SparkCalendar};

pub const CLASS: &str = "dev/thermite/exec/LegacyCalendar";

#[derive(Debug)]
pub struct JvmCalendar {
    jvm: JavaVM,
    /// `LegacyCalendar`, found on the task's thread (whose class loader knows it).
    class: GlobalRef,
}

impl JvmCalendar {
    pub fn new(jvm: JavaVM, class: GlobalRef) -> Self {
        Self { jvm, class }
    }

    /// Runs `f` in a local frame of the current thread, turning a Java exception into its text.
    fn call<T>(&self, f: impl FnOnce(&mut JNIEnv, &JClass) -> jni::errors::Result<T>) -> Result<T, String> {
        let mut env = self.jvm.attach_current_thread_permanently().map_err(|e| format!("cannot attach to the JVM: {e}"))?;
        let result = env.with_local_frame(16, |env| {
            let class = JClass::from(env.new_local_ref(self.class.as_obj())?);
            f(env, &class)
        });
        result.map_err(|e| match e {
            jni::errors::Error::JavaException => {
                let text = env.exception_occurred().ok().and_then(|t| {
                    let _ = env.exception_clear();
                    let s = env.call_method(&t, "toString", "()Ljava/lang/String;", &[]).ok()?.l().ok()?;
                    env.get_string(&JString::from(s)).ok().map(String::from)
                });
                let _ = env.exception_clear();
                text.unwrap_or_else(|| "a Java exception".to_string())
            }
            other => other.to_string(),
        })
    }
}

fn string_array<'local, 's>(
    env: &mut JNIEnv<'local>,
    values: impl ExactSizeIterator<Item = Option<&'s str>>,
) -> jni::errors::Result<JObjectArray<'local>> {
    let array = env.new_object_array(values.len() as i32, "java/lang/String", JObject::null())?;
    for (i, value) in values.enumerate() {
        if let Some(value) = value {
            let s = env.new_string(value)?;
            env.set_object_array_element(&array, i as i32, s)?;
        }
    }
    Ok(array)
}

impl SparkCalendar for JvmCalendar {
    fn rebase_specs(
        &self,
        metadata: &[(String, Option<String>)],
        datetime_mode: &str,
        int96_mode: &str,
    ) -> Result<(RebaseSpec, RebaseSpec), String> {
        let specs: Vec<Option<String>> = self.call(|env, class| {
            let keys = string_array(env, metadata.iter().map(|(k, _)| Some(k.as_str())))?;
            let values = string_array(env, metadata.iter().map(|(_, v)| v.as_deref()))?;
            let datetime_mode = env.new_string(datetime_mode)?;
            let int96_mode = env.new_string(int96_mode)?;
            let specs = env
                .call_static_method(
                    class,
                    "rebaseSpecs",
                    "([Ljava/lang/String;[Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;)[Ljava/lang/String;",
                    &[
                        JValue::Object(&keys),
                        JValue::Object(&values),
                        JValue::Object(&datetime_mode),
                        JValue::Object(&int96_mode),
                    ],
                )?
                .l()?;
            let specs = JObjectArray::from(specs);
            (0..env.get_array_length(&specs)?)
                .map(|i| {
                    let s = env.get_object_array_element(&specs, i)?;
                    if s.is_null() {
                        Ok(None)
                    } else {
                        Ok(Some(String::from(env.get_string(&JString::from(s))?)))
                    }
                })
                .collect()
        })?;
        let spec = |mode: &Option<String>, zone: &Option<String>| -> Result<RebaseSpec, String> {
            let mode = RebaseMode::parse(mode.as_deref().unwrap_or_default()).map_err(|e| e.message)?;
            Ok(RebaseSpec { mode, zone: zone.clone().unwrap_or_default() })
        };
        match specs.as_slice() {
            [dm, dz, im, iz] => Ok((spec(dm, dz)?, spec(im, iz)?)),
            other => Err(format!("rebaseSpecs returned {} values, not 4", other.len())),
        }
    }

    fn rebase_days(&self, days: &mut [i32]) -> Result<(), String> {
        self.call(|env, class| {
            let array = env.new_int_array(days.len() as i32)?;
            env.set_int_array_region(&array, 0, days)?;
            env.call_static_method(class, "rebaseDays", "([I)V", &[JValue::Object(&array)])?;
            env.get_int_array_region(&array, 0, days)
        })
    }

    fn rebase_micros(&self, zone: &str, micros: &mut [i64]) -> Result<(), String> {
        self.call(|env, class| {
            let zone = env.new_string(zone)?;
            let array = env.new_long_array(micros.len() as i32)?;
            env.set_long_array_region(&array, 0, micros)?;
            env.call_static_method(
                class,
                "rebaseMicros",
                "(Ljava/lang/String;[J)V",
                &[JValue::Object(&zone), JValue::Object(&array)],
            )?;
            env.get_long_array_region(&array, 0, micros)
        })
    }
}
