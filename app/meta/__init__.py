"""What a declared model says about itself and how its values read: labels and formats, the school's clock,
pinyin, prefill rules, amounts in words."""
