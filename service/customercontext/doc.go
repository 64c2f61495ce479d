// Package customercontext is the heart of Rapport: the rules that turn a
// customer's history into the context an agent reads. It holds pure
// functions over plain types (the API's messages and the repository's
// summary types), with no server, no storage and no clock: every function
// that needs the time is given now.
//
//   - Update and Apply merge what a write did (a customer, issues,
//     interactions) into the per-customer summary, idempotently.
//   - Decode and Build turn a summary into the CustomerContext: issues,
//     customer facts, recent interactions (with excerpts), contact counts,
//     repeat contacts (open issues since they opened), the sentiment trend,
//     satisfaction, tenure and the hints.
//   - The hints are small named rules registered in one table (hints.go),
//     in the order of the README's table, which is the ranking: tier (act,
//     etiquette, channel), then row; tuned by HintConfig.
//   - DetectLanguage and SentimentModel score interaction text in its
//     language (English only; other languages are marked not computed).
//   - Analyzers (pipeline.go) is the ordered list of analyzers a text goes
//     through; ExtractFacts reads an interaction's facts with it (steps
//     from package extract, identifiers from package identifiers) and
//     masks card numbers; SameFact and LinkInteraction merge the facts an
//     interaction gives into its issue, corrections superseding; LikelyIssue picks the open issue a new ticket
//     continues.
package customercontext
