/** Every workflow the worker registers (the bundler's entry point). */
export { snowpatrolPipeline } from './pipeline';
export { ingestMetering } from './ingest-metering';
export { prepareFeatures } from './prepare-features';
export { trainModels } from './train-models';
export { scoreAnomalies } from './score-anomalies';
export { notifyAnomalies } from './notify-anomalies';
export { scheduledPipeline } from './scheduled-pipeline';
export { snoozeWarehouse } from './snooze-warehouse';
export { attributeCosts } from './attribute-costs';
