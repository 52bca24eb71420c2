// Prints the guardrail rule catalogue as a markdown table (pasted into the README; a test keeps them equal).
import { catalogueMarkdown } from './';

process.stdout.write(`${catalogueMarkdown()}\n`);
