// snowflake-sdk must never probe cloud metadata hosts (AWS/GCP/Azure) from tests.
process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
process.env.SF_TELEMETRY_DISABLE_CONNECTION_SHAPE = '1';
