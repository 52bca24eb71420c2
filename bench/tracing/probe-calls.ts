import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

/** The client every variant traces: DynamoDB at the bench's service double (`PROBE_ENDPOINT`). */
export const probeClient = (): DynamoDBClient =>
  new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: process.env.PROBE_ENDPOINT,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });

/** One invocation's work: `n` GetItem calls, one after another. */
export async function probeCalls(client: DynamoDBClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    await client.send(new GetItemCommand({ TableName: 'bench-objects', Key: { s3_key: { S: `k${i}` }, bucket: { S: 'b' } } }));
}
