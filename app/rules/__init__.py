"""The rules every door obeys: who the user is and what they may reach (identity, scope — the one scoped read),
the one write path (write), workflow steps, qualifying rules, numbering, history and the audit log."""
