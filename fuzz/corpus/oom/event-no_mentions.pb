
 11bd4c550a83d51fb9167fe210ed80acP
 11bd4c550a83d51fb9167fe210ed80achttps://example.org/4Weather"Sunny.@€Ì£É:
2026-11-28B
2025-11-28H€Ì£É