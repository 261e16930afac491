"""What the engine offers every model that declares it: export, import, printing, 我的待办/我的申请, the
dashboard, uploads, login accounts, follow-up documents, the audit screens."""
