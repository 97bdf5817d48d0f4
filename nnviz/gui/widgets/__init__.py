"""Small widgets and mixins shared by several views."""
