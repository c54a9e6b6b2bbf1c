// Filled in by the local Kafka work: starts the broker through deploy/local/kafka.sh.
export async function setup(): Promise<void> {}
