// The "what am I seeing" paragraph of each inspector view, for a developer who has never studied transformers.
import type { InspectorView } from '../shared/ui-state';

export const NOTES: Record<InspectorView, string> = {
  tokens:
    'A language model never sees characters or words. First the text is cut into tokens: pieces from a fixed ' +
    'vocabulary that the tokenizer learned from lots of text, so common words and symbols are one token and ' +
    'rare ones are split into smaller pieces, down to single bytes. To the model each token is only its id, a ' +
    'number; it reads the ids one after another. The alternating shades show where each token starts and ends; ' +
    '· is a space, → a tab and ⏎ a line break. A character that was split into byte tokens (an emoji, most ' +
    'CJK characters) is shown once, with one small box per token under it. Hover or focus a token for its id and ' +
    'bytes; click it (or press Enter) to select it in the editor; ← and → move between tokens.',
  prediction:
    'A GPT is trained for one job: given the tokens so far, give every token of its vocabulary a probability of ' +
    'coming next. Here each token is coloured by how much the model expected it when it had only seen the text ' +
    'before it. Rank 1 means it was the model’s first guess; rank 10 means nine other tokens looked likelier. ' +
    'Surprisal is −log₂ of the probability, in bits: 1 bit is a coin flip, 10 bits about a 1 in 1,000 chance. ' +
    'Entropy is how unsure the model was before it saw the token: the average surprisal over everything it ' +
    'could have predicted (0 bits = certain). Predictable code such as closing brackets or a name used before ' +
    'tends to rank high; new names and literals that nothing before them announces rank low. A first token that ' +
    'nothing precedes has no prediction.',
  attention:
    'Inside each layer, attention lets every token look back at the tokens before it and take in information ' +
    'from them. Each head is one separate way of looking: for every token (the query, a row) it gives each ' +
    'earlier token (the key, a column) a weight, and a row’s weights add up to 1. Every thumbnail is one head of ' +
    'one layer, brighter meaning more weight, each scaled to its own strongest block. A token cannot look ahead, ' +
    'so the upper-right triangle is always empty. Row and column 0 are the start marker (BOS) the model reads ' +
    'before your text; many heads park attention there when nothing else matters. The mean column averages a ' +
    'layer’s heads; its thumbnails are computed here from the head thumbnails, and clicking one fetches the exact ' +
    'head-average. Click a thumbnail for its full map, then hover a token in the text: the tokens it attends to ' +
    'and those that attend to it light up, stronger for more weight.',
  lens:
    'The model is a stack of layers. Each layer adds its bit to a running vector per position (the residual ' +
    'stream), and only after the last layer is that vector turned into next-token probabilities (a final ' +
    'normalisation, then one big matrix, the LM head). The logit lens applies that final step to every ' +
    'layer’s vector early, to see what the model would predict if it stopped there. Row 0 is the input ' +
    'embedding, before any layer ran. Reading down shows where in the stack the answer forms; the highlighted ' +
    'row is the first layer where the real token is already the top guess. It is an approximation: the earlier ' +
    'layers were never trained to be read this way, so their guesses are rough.',
  embeddings:
    'The first thing the model does with a token id is look up its embedding: a learned list of numbers (a ' +
    'vector) kept for every token of the vocabulary. Training moves tokens that are used in similar ways to ' +
    'vectors that point in similar directions. Cosine similarity measures that direction: 1 is the same ' +
    'direction, 0 unrelated, below 0 opposite. These are the tokens whose embeddings point most nearly the same ' +
    'way as the chosen token’s (itself first, at 1). Choose a token by clicking it in the text.',
  generate:
    'Generating text is a loop. The model gives every token a probability of coming next; one token is picked ' +
    'and appended; the model runs again on the longer text, and so on. Picking is where the settings come in: ' +
    'temperature reshapes the probabilities (below 1 sharpens them toward the top guess, above 1 flattens them, ' +
    '0 always takes the top guess), top-k keeps only the k likeliest tokens, top-p keeps the likeliest tokens ' +
    'until their probabilities add up to p; what is left is scaled back to add up to 1 and a token is drawn with ' +
    'the seed’s random numbers. Sample only redoes this picking from the model’s stored output for this ' +
    'position: the model does not run, so trying other settings is instant. Accept appends the picked token and ' +
    'runs the model one step for the next position. The loop ends when the stop token, which means end of text ' +
    'to the model, is picked. Replay under a chat answer opens it here: its prompt, then the tokens it took, ' +
    'one by one, each coloured by the rank the model gave it, so you can see where the answer was sure and ' +
    'where the dice decided.',
};
